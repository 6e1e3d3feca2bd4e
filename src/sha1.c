/* sha1.c - SHA-1 and UUIDv5 (see sha1.h). Straight from FIPS 180-4 §6.1;
 * checked against the FIPS test vectors in tests/unit/test_epub_out.c. */
#include <stdio.h>
#include <string.h>
#include "sha1.h"

static uint32_t rol(uint32_t x, int n)
{
    return (x << n) | (x >> (32 - n));
}

static void block(bt_sha1_ctx *s, const unsigned char *p)
{
    uint32_t w[80], a, b, c, d, e;
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
    for (int i = 16; i < 80; i++)
        w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    a = s->h[0];
    b = s->h[1];
    c = s->h[2];
    d = s->h[3];
    e = s->h[4];
    for (int i = 0; i < 80; i++) {
        uint32_t f, k;
        if (i < 20) {
            f = (b & c) | (~b & d);
            k = 0x5A827999u;
        } else if (i < 40) {
            f = b ^ c ^ d;
            k = 0x6ED9EBA1u;
        } else if (i < 60) {
            f = (b & c) | (b & d) | (c & d);
            k = 0x8F1BBCDCu;
        } else {
            f = b ^ c ^ d;
            k = 0xCA62C1D6u;
        }
        uint32_t t = rol(a, 5) + f + e + k + w[i];
        e = d;
        d = c;
        c = rol(b, 30);
        b = a;
        a = t;
    }
    s->h[0] += a;
    s->h[1] += b;
    s->h[2] += c;
    s->h[3] += d;
    s->h[4] += e;
}

void bt_sha1_init(bt_sha1_ctx *s)
{
    static const uint32_t h0[5] = {0x67452301u, 0xEFCDAB89u, 0x98BADCFEu,
                                   0x10325476u, 0xC3D2E1F0u};
    memcpy(s->h, h0, sizeof h0);
    s->len = 0;
    s->nblk = 0;
}

void bt_sha1_update(bt_sha1_ctx *s, const void *data, size_t len)
{
    const unsigned char *p = data;
    s->len += len;
    while (len > 0) {
        size_t n = BT_MIN(len, 64 - s->nblk);
        memcpy(s->blk + s->nblk, p, n);
        s->nblk += n;
        p += n;
        len -= n;
        if (s->nblk == 64) {
            block(s, s->blk);
            s->nblk = 0;
        }
    }
}

void bt_sha1_final(bt_sha1_ctx *s, unsigned char out[20])
{
    uint64_t bits = s->len * 8;
    unsigned char pad[72] = {0x80};
    size_t npad = (s->nblk < 56 ? 56 : 120) - s->nblk;
    for (int i = 0; i < 8; i++)
        pad[npad + (size_t)i] = (unsigned char)(bits >> (56 - 8 * i));
    bt_sha1_update(s, pad, npad + 8);
    for (int i = 0; i < 5; i++) {
        out[4 * i] = (unsigned char)(s->h[i] >> 24);
        out[4 * i + 1] = (unsigned char)(s->h[i] >> 16);
        out[4 * i + 2] = (unsigned char)(s->h[i] >> 8);
        out[4 * i + 3] = (unsigned char)s->h[i];
    }
}

void bt_sha1(const void *data, size_t len, unsigned char out[20])
{
    bt_sha1_ctx s;
    bt_sha1_init(&s);
    bt_sha1_update(&s, data, len);
    bt_sha1_final(&s, out);
}

void bt_uuid5(const unsigned char ns[16], const char *name, size_t len,
              char out[37])
{
    unsigned char h[20];
    bt_sha1_ctx s;
    bt_sha1_init(&s);
    bt_sha1_update(&s, ns, 16);
    bt_sha1_update(&s, name, len);
    bt_sha1_final(&s, h);
    h[6] = (unsigned char)((h[6] & 0x0f) | 0x50); /* version 5 */
    h[8] = (unsigned char)((h[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    static const char hex[] = "0123456789abcdef";
    int o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[h[i] >> 4];
        out[o++] = hex[h[i] & 15];
    }
    out[o] = 0;
}

/* sha1.h - a small SHA-1 (FIPS 180-4) for name-based UUIDs (RFC 4122
 * version 5) in the EPUB identifier. Not for anything security-related. */
#ifndef BT_SHA1_H
#define BT_SHA1_H

#include "bantin.h"

typedef struct bt_sha1_ctx {
    uint32_t h[5];
    uint64_t len;          /* bytes hashed so far */
    unsigned char blk[64]; /* pending partial block */
    size_t nblk;
} bt_sha1_ctx;

void bt_sha1_init(bt_sha1_ctx *s);
void bt_sha1_update(bt_sha1_ctx *s, const void *data, size_t len);
void bt_sha1_final(bt_sha1_ctx *s, unsigned char out[20]);
/* One-shot digest of len bytes. */
void bt_sha1(const void *data, size_t len, unsigned char out[20]);

/* RFC 4122 UUIDv5 of `name` (len bytes) in namespace `ns` (16 bytes, in
 * network order), written lowercase as 36 characters plus NUL into out. */
void bt_uuid5(const unsigned char ns[16], const char *name, size_t len,
              char out[37]);

#endif

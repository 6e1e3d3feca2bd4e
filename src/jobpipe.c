/* jobpipe.c - jobs run beside their owner, taken back in order (see
 * jobpipe.h). */
#include <pthread.h>
#include <stdlib.h>
#include "bantin.h"
#include "fsout.h"
#include "jobpipe.h"

struct bt_pipe {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t work, done; /* a job put; a job run */
    void (*run)(void *job);
    struct slot {
        void *job;
        int taken, ran;
    } slot[BT_PIPE_SLOTS];
    int head, n; /* oldest slot; slots in use */
    int quit;
};

/* The oldest job not taken yet (mu held), marked taken, or NULL. */
static struct slot *take(bt_pipe *p)
{
    for (int k = 0; k < p->n; k++) {
        struct slot *s = &p->slot[(p->head + k) % BT_PIPE_SLOTS];
        if (!s->taken) {
            s->taken = 1;
            return s;
        }
    }
    return NULL;
}

/* Runs s's job with mu released. */
static void run_slot(bt_pipe *p, struct slot *s)
{
    pthread_mutex_unlock(&p->mu);
    p->run(s->job);
    pthread_mutex_lock(&p->mu);
    s->ran = 1;
}

static void *pipe_main(void *arg)
{
    bt_pipe *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        struct slot *s = take(p);
        if (s) {
            run_slot(p, s);
            pthread_cond_signal(&p->done);
        } else if (p->quit) {
            break;
        } else {
            pthread_cond_wait(&p->work, &p->mu);
        }
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

bt_pipe *bt_pipe_start(void (*run)(void *job))
{
    bt_pipe *p = bt_xcalloc(1, sizeof *p);
    p->run = run;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->done, NULL);
    if (bt_fsout_thread(&p->th, pipe_main, p) != 0) {
        pthread_cond_destroy(&p->work);
        pthread_cond_destroy(&p->done);
        pthread_mutex_destroy(&p->mu);
        free(p);
        return NULL;
    }
    return p;
}

int bt_pipe_full(const bt_pipe *p)
{
    return p->n == BT_PIPE_SLOTS; /* only the owner changes n */
}

void bt_pipe_put(bt_pipe *p, void *job)
{
    BT_ASSERT(p->n < BT_PIPE_SLOTS);
    pthread_mutex_lock(&p->mu);
    struct slot *s = &p->slot[(p->head + p->n) % BT_PIPE_SLOTS];
    s->job = job;
    s->taken = s->ran = 0;
    p->n++;
    pthread_cond_signal(&p->work);
    pthread_mutex_unlock(&p->mu);
}

void *bt_pipe_retire(bt_pipe *p, int wait)
{
    pthread_mutex_lock(&p->mu);
    struct slot *s = &p->slot[p->head];
    while (wait && p->n > 0 && !s->ran) {
        struct slot *t = take(p);
        if (t)
            run_slot(p, t);
        else
            pthread_cond_wait(&p->done, &p->mu);
    }
    void *job = NULL;
    if (p->n > 0 && s->ran) {
        job = s->job;
        s->job = NULL;
        p->head = (p->head + 1) % BT_PIPE_SLOTS;
        p->n--;
    }
    pthread_mutex_unlock(&p->mu);
    return job;
}

void bt_pipe_stop(bt_pipe *p)
{
    if (!p)
        return;
    BT_ASSERT(p->n == 0);
    pthread_mutex_lock(&p->mu);
    p->quit = 1;
    pthread_cond_signal(&p->work);
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->th, NULL);
    pthread_cond_destroy(&p->work);
    pthread_cond_destroy(&p->done);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

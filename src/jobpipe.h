/* jobpipe.h - jobs run in a second thread beside their owner and taken
 * back in the order they were put: the PDF writer's page contents and the
 * EPUB writer's entries are deflated this way, each put back in order so
 * that the output is that of one thread. At most BT_PIPE_SLOTS jobs are in
 * flight; an owner that would wait for the oldest runs the jobs the thread
 * has not taken yet itself. Jobs are the owner's; the pipe only runs them.
 */
#ifndef BT_JOBPIPE_H
#define BT_JOBPIPE_H

enum { BT_PIPE_SLOTS = 4 };

typedef struct bt_pipe bt_pipe;

/* A pipe whose thread calls run(job), or NULL when the thread cannot
 * start (the owner then runs its jobs itself). */
bt_pipe *bt_pipe_start(void (*run)(void *job));
/* 1 when BT_PIPE_SLOTS jobs are in flight: retire one before putting. */
int bt_pipe_full(const bt_pipe *p);
void bt_pipe_put(bt_pipe *p, void *job);
/* The oldest job in flight once it has run, or NULL: none in flight, or
 * (without `wait`) not run yet. Waiting, the caller runs the jobs not
 * taken yet. */
void *bt_pipe_retire(bt_pipe *p, int wait);
/* Ends the thread; every job must have been retired. */
void bt_pipe_stop(bt_pipe *p);

#endif

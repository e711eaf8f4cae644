/* The thread-safety scenario of the public API, shared by two drivers:
 * tests/test_api_threads.c runs it in-process (so the sanitizer build checks
 * it for memory errors and leaks) and tests/tsan/ builds it with the whole
 * library under ThreadSanitizer (tools/test_tsan.sh).
 *
 * Threads at once: two compile and schedule different samples for
 * different targets, one modulo-schedules a loop, two lower one shared
 * model for one shared target and two schedule one shared program (the
 * documented exceptions to one-thread-per-handle), and every thread also
 * fails to open a file named after itself and checks that its handle
 * reports its own file (no shared error state). Each result is compared
 * with the same work done first on the main thread. Only <nnpipe/nnpipe.h>
 * is used, so <pthread.h> is safe to include. */
#ifndef NNPIPE_TESTS_API_THREADS_H
#define NNPIPE_TESTS_API_THREADS_H

#include <nnpipe/nnpipe.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum { THREAD_ROUNDS = 3 };

typedef struct thread_job {
    const char *src;                /* source tree */
    const char *model, *target;     /* paths under src; target NULL: the default */
    const char *loop;               /* or: a loop JSON under src to modulo-schedule */
    nnp_model *shared_model;        /* or: lower this shared model ... */
    nnp_target *shared_target;      /* ... for this shared target */
    nnp_program *shared_program;    /* or: schedule this shared program */
    int id;
    int64_t expect;                 /* what one round yields on the main thread */
    char error[512];                /* "" when every round matched */
} thread_job;

static int job_fail(thread_job *j, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(j->error, sizeof j->error, fmt, ap);
    va_end(ap);
    return -1;
}

/* Sum over groups and ops of the worst-case cycles: touches every view. */
static int64_t walk_program(nnp_program *p)
{
    int64_t sum = 0;
    for (int g = 0; g < nnp_program_group_count(p); g++) {
        nnp_group_desc d;
        nnp_program_group(p, g, &d);
        sum += d.est_cycles;
        for (int k = 0; k < d.op_count; k++) {
            nnp_op_desc o;
            nnp_program_op(p, g, k, &o);
            sum += o.total_cycles;
        }
    }
    return sum;
}

/* Modulo-schedules p and sums what the schedule says, plus the length of
 * its summary text. */
static int schedule_walk(thread_job *j, nnp_program *p, int64_t *out)
{
    nnp_schedule *s;
    nnp_schedule_desc d;
    FILE *f = tmpfile();
    int rc = f ? nnp_schedule_new(p, NULL, &s) : -1;
    if (!rc && !(rc = nnp_schedule_describe(s, &d)))
        rc = nnp_schedule_emit_file(s, "summary", NULL, f);
    if (rc)
        job_fail(j, "thread %d: scheduling: %s", j->id, f ? nnp_schedule_errmsg(s) : "tmpfile");
    else
        *out += d.makespan * 1000 + d.instance_count + ftell(f);
    if (f) {
        nnp_schedule_close(s);
        fclose(f);
    }
    return rc ? -1 : 0;
}

static int lower_walk(thread_job *j, nnp_model *m, nnp_target *t, int64_t *out)
{
    nnp_program *p;
    int rc = nnp_program_lower(m, t, &p);
    if (rc)
        job_fail(j, "thread %d: lowering: %s", j->id, nnp_program_errmsg(p));
    else
        *out = walk_program(p);
    if (!rc && !j->shared_model)
        rc = schedule_walk(j, p, out);
    nnp_program_close(p);
    return rc ? -1 : 0;
}

static int compile_round(thread_job *j, int64_t *out)
{
    char path[1024];
    nnp_model *m;
    nnp_target *t = NULL;
    snprintf(path, sizeof path, "%s/%s", j->src, j->model);
    int rc = nnp_model_open(path, &m);
    if (rc)
        job_fail(j, "thread %d: %s", j->id, nnp_model_errmsg(m));
    else {
        snprintf(path, sizeof path, "%s/%s", j->src, j->target ? j->target : "");
        rc = j->target ? nnp_target_open(path, &t) : nnp_target_default(&t);
        if (rc)
            job_fail(j, "thread %d: %s", j->id, nnp_target_errmsg(t));
        else
            rc = lower_walk(j, m, t, out);
    }
    nnp_target_close(t);
    nnp_model_close(m);
    return rc ? -1 : 0;
}

static int schedule_round(thread_job *j, int64_t *out)
{
    char path[1024];
    nnp_loop *l;
    nnp_loop_result r;
    snprintf(path, sizeof path, "%s/%s", j->src, j->loop);
    int rc = nnp_loop_open(path, &l);
    if (!rc && !(rc = nnp_loop_modulo_schedule(l, NULL)) && !(rc = nnp_loop_verify(l)))
        rc = nnp_loop_get_result(l, &r);
    if (rc)
        job_fail(j, "thread %d: %s", j->id, nnp_loop_errmsg(l));
    else
        *out = r.ii * 1000 + r.stage_count;
    nnp_loop_close(l);
    return rc ? -1 : 0;
}

static int job_round(thread_job *j, int64_t *out)
{
    if (j->shared_program) {
        *out = 0;
        return schedule_walk(j, j->shared_program, out);
    }
    if (j->shared_model)
        return lower_walk(j, j->shared_model, j->shared_target, out);
    return j->loop ? schedule_round(j, out) : compile_round(j, out);
}

/* Each thread's failure names its own file, never another thread's. */
static int own_message(thread_job *j)
{
    char path[64];
    nnp_model *m;
    snprintf(path, sizeof path, "/nonexistent/thread-%d.onnx", j->id);
    int rc = nnp_model_open(path, &m);
    int mine = rc == NNP_IO && strstr(nnp_model_errmsg(m), path) != NULL;
    if (!mine)
        job_fail(j, "thread %d: status %d, message '%s'", j->id, rc, nnp_model_errmsg(m));
    nnp_model_close(m);
    return mine ? 0 : -1;
}

static void *job_main(void *arg)
{
    thread_job *j = arg;
    for (int r = 0; r < THREAD_ROUNDS && !j->error[0]; r++) {
        int64_t got = -1;
        if (own_message(j) || job_round(j, &got))
            break;
        if (got != j->expect)
            job_fail(j, "thread %d round %d: %lld, the main thread got %lld", j->id, r,
                     (long long)got, (long long)j->expect);
    }
    return NULL;
}

/* Runs the scenario; 0 when every thread matched, else -1 with the first
 * failure in err. */
static int run_threads(const char *src, char *err, size_t errlen)
{
    char path[1024];
    nnp_model *shared_m;
    nnp_target *shared_t = NULL;
    nnp_program *shared_p = NULL;
    snprintf(path, sizeof path, "%s/samples/resblock.onnx", src);
    if (nnp_model_open(path, &shared_m) || nnp_target_default(&shared_t) ||
        nnp_program_lower(shared_m, shared_t, &shared_p)) {
        snprintf(err, errlen, "cannot make the shared model, target or program: %s",
                 nnp_model_errmsg(shared_m));
        nnp_program_close(shared_p);
        nnp_target_close(shared_t);
        nnp_model_close(shared_m);
        return -1;
    }
    thread_job jobs[] = {
        {.src = src, .model = "samples/lenet5.json", .id = 0},
        {.src = src, .model = "samples/mobilenet_tiny.onnx", .target = "samples/targets/vta.json",
         .id = 1},
        {.src = src, .loop = "tests/data/loops/dot_product.json", .id = 2},
        {.src = src, .shared_model = shared_m, .shared_target = shared_t, .id = 3},
        {.src = src, .shared_model = shared_m, .shared_target = shared_t, .id = 4},
        {.src = src, .shared_program = shared_p, .id = 5},
        {.src = src, .shared_program = shared_p, .id = 6},
    };
    enum { N = sizeof jobs / sizeof *jobs };
    pthread_t tid[N];
    int rc = 0, started = 0;
    for (int k = 0; k < N && !rc; k++)
        rc = job_round(&jobs[k], &jobs[k].expect); /* the single-threaded answer */
    for (; started < N && !rc; started++)
        rc = pthread_create(&tid[started], NULL, job_main, &jobs[started]);
    for (int k = 0; k < started; k++)
        pthread_join(tid[k], NULL);
    nnp_program_close(shared_p);
    nnp_model_close(shared_m);
    nnp_target_close(shared_t);
    for (int k = 0; k < N; k++)
        if (jobs[k].error[0]) {
            snprintf(err, errlen, "%s", jobs[k].error);
            return -1;
        }
    if (rc)
        snprintf(err, errlen, "could not start the threads (%d)", rc);
    return rc ? -1 : 0;
}

#endif

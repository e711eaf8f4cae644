/* The loop JSON reader: cJSON parses, this file checks every field and
 * builds a sched_problem.
 *
 * Names are resolved through small hash maps (loops reach thousands of ops
 * and edges). Each section is read in dependency order - resources, ops,
 * edges, pools, buffers - so a reference can be checked when it is read and
 * the message can say which entry and field is at fault:
 *     loop.json: edges[4] (mul1 -> add9): to: no op named "add9"
 * Syntax errors carry FILE:LINE:COLUMN and the reason (json_parse).
 * Cycle-count limits are left to sched_check, whose messages
 * name the op or edge. */
#include "loop_json.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_syntax.h"

/* ---- a string -> index map (open addressing, FNV-1a) ---- */

typedef struct name_map {
    const char **key;
    int *val;
    size_t cap; /* a power of two, at least twice the entries */
} name_map;

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static int map_init(name_map *m, int n)
{
    m->cap = 16;
    while (m->cap < 2 * (size_t)n)
        m->cap *= 2;
    m->key = xcalloc(m->cap, sizeof *m->key);
    m->val = xcalloc(m->cap, sizeof *m->val);
    return m->key && m->val ? 0 : -1;
}

static void map_free(name_map *m)
{
    free(m->key);
    free(m->val);
}

static size_t map_slot(const name_map *m, const char *k)
{
    size_t i = (size_t)hash(k) & (m->cap - 1);
    while (m->key[i] && strcmp(m->key[i], k))
        i = (i + 1) & (m->cap - 1);
    return i;
}

static int map_get(const name_map *m, const char *k)
{
    size_t i = map_slot(m, k);
    return m->key[i] ? m->val[i] : -1;
}

/* Returns -1 when added, else the index already holding k. */
static int map_put(name_map *m, const char *k, int v)
{
    size_t i = map_slot(m, k);
    if (m->key[i])
        return m->val[i];
    m->key[i] = k;
    m->val[i] = v;
    return -1;
}

/* ---- field access with messages ---- */

typedef struct reader {
    const char *fname;
    sched_problem *p;
    name_map res, ops, pools;
    nnp_err *e;
    char at[200]; /* the entry being read, e.g. ops[3] ("mul1") */
} reader;

static int fail(reader *rd, const char *field, const char *fmt, const char *detail)
{
    char msg[400];
    snprintf(msg, sizeof msg, fmt, detail);
    if (field)
        return err_set(rd->e, NNP_INVALID, "%s: %s: %s: %s", rd->fname, rd->at, field, msg);
    return err_set(rd->e, NNP_INVALID, "%s: %s: %s", rd->fname, rd->at, msg);
}

static const char *kind_of(const cJSON *it)
{
    if (cJSON_IsString(it))
        return "a string";
    if (cJSON_IsNumber(it))
        return "a number";
    if (cJSON_IsArray(it))
        return "an array";
    if (cJSON_IsObject(it))
        return "an object";
    if (cJSON_IsBool(it))
        return "a boolean";
    return "null";
}

/* Rejects unknown and repeated fields of an entry. */
static int check_fields(reader *rd, const cJSON *obj, const char *const *allowed)
{
    if (!cJSON_IsObject(obj))
        return fail(rd, NULL, "must be an object, not %s", kind_of(obj));
    for (const cJSON *it = obj->child; it; it = it->next) {
        int known = 0;
        for (const char *const *a = allowed; *a && !known; a++)
            known = !strcmp(*a, it->string);
        if (!known) {
            strbuf b = {0};
            for (const char *const *a = allowed; *a; a++)
                sb_printf(&b, "%s%s", a == allowed ? "" : ", ", *a);
            char msg[300];
            snprintf(msg, sizeof msg, "unknown field \"%.60s\" (expected %s)", it->string,
                     b.failed ? "?" : b.s);
            sb_free(&b);
            return fail(rd, NULL, "%s", msg);
        }
        for (const cJSON *jt = obj->child; jt != it; jt = jt->next)
            if (!strcmp(jt->string, it->string))
                return fail(rd, it->string, "%s", "appears twice");
    }
    return NNP_OK;
}

/* An integer field in [lo, 2^53]; absent (or null when optional) gives def. */
static int get_int(reader *rd, const cJSON *obj, const char *key, int required, int64_t def,
                   int64_t lo, int64_t *out)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    *out = def;
    if (!it || (cJSON_IsNull(it) && !required)) {
        if (required)
            return fail(rd, NULL, "missing field \"%s\"", key);
        return NNP_OK;
    }
    char got[64];
    if (!cJSON_IsNumber(it))
        snprintf(got, sizeof got, "%s", kind_of(it));
    else
        snprintf(got, sizeof got, "%.17g", it->valuedouble);
    double d = it->valuedouble;
    if (!cJSON_IsNumber(it) || d != floor(d) || fabs(d) > 9007199254740992.0 || d < (double)lo) {
        char msg[200];
        snprintf(msg, sizeof msg, "must be an integer >= %" PRId64 ", got %s", lo, got);
        return fail(rd, key, "%s", msg);
    }
    *out = (int64_t)d;
    return NNP_OK;
}

/* A non-empty string field; absent (or null when optional) gives NULL. */
static int get_str(reader *rd, const cJSON *obj, const char *key, int required, const char **out)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    *out = NULL;
    if (!it || (cJSON_IsNull(it) && !required)) {
        if (required)
            return fail(rd, NULL, "missing field \"%s\"", key);
        return NNP_OK;
    }
    if (!cJSON_IsString(it) || !it->valuestring[0])
        return fail(rd, key, "must be a non-empty string, not %s",
                    cJSON_IsString(it) ? "an empty one" : kind_of(it));
    *out = it->valuestring;
    return NNP_OK;
}

/* The index of the entry named name in map, or an error naming the field. */
static int lookup(reader *rd, const name_map *m, const char *what, const char *key,
                  const char *name, int *out)
{
    *out = map_get(m, name);
    if (*out >= 0)
        return NNP_OK;
    char msg[200];
    snprintf(msg, sizeof msg, "no %s named \"%.80s\"", what, name);
    return fail(rd, key, "%s", msg);
}

static void set_at(reader *rd, const char *section, int i, const char *name)
{
    if (name)
        snprintf(rd->at, sizeof rd->at, "%s[%d] (\"%.80s\")", section, i, name);
    else
        snprintf(rd->at, sizeof rd->at, "%s[%d]", section, i);
}

static int oom(reader *rd)
{
    return err_set(rd->e, NNP_NOMEM, "%s: out of memory", rd->fname);
}

/* Registers a unique name for entry i of a section. */
static int unique(reader *rd, name_map *m, const char *section, const char *name, int i)
{
    int old = map_put(m, name, i);
    if (old < 0)
        return NNP_OK;
    char msg[200];
    snprintf(msg, sizeof msg, "duplicate name: %s[%d] is also called \"%.80s\"", section, old, name);
    return fail(rd, "name", "%s", msg);
}

/* ---- the sections ---- */

static int read_resource(reader *rd, const cJSON *obj, int i)
{
    static const char *const fields[] = {"name", "instances", "blocking", NULL};
    const char *name;
    int64_t inst, blocking;
    int st;
    set_at(rd, "resources", i, NULL);
    if ((st = get_str(rd, obj, "name", 1, &name)))
        return st;
    set_at(rd, "resources", i, name);
    if ((st = check_fields(rd, obj, fields)) ||
        (st = get_int(rd, obj, "instances", 0, -1, -1, &inst)) ||
        (st = get_int(rd, obj, "blocking", 0, 1, 1, &blocking)))
        return st;
    if (inst == 0 || inst > INT32_MAX)
        return fail(rd, "instances", "%s", "must be >= 1, or -1 (or omitted) for unlimited");
    if (sched_add_resource(rd->p, name, (int)inst, blocking) < 0)
        return oom(rd);
    return unique(rd, &rd->res, "resources", rd->p->resources[i].name, i);
}

static int read_op(reader *rd, const cJSON *obj, int i)
{
    static const char *const fields[] = {"name", "resource", "latency", "occupancy", NULL};
    const char *name, *res;
    int64_t lat, occ;
    int st, r = SCHED_NONE;
    set_at(rd, "ops", i, NULL);
    if ((st = get_str(rd, obj, "name", 1, &name)))
        return st;
    set_at(rd, "ops", i, name);
    if ((st = check_fields(rd, obj, fields)) || (st = get_str(rd, obj, "resource", 0, &res)) ||
        (st = get_int(rd, obj, "latency", 1, 0, 0, &lat)) ||
        (st = get_int(rd, obj, "occupancy", 0, 0, 0, &occ)))
        return st;
    if (res && (st = lookup(rd, &rd->res, "resource", "resource", res, &r)))
        return st;
    if (occ > 0 && r == SCHED_NONE)
        return fail(rd, "occupancy", "%s", "given, but the op uses no resource");
    if (sched_add_op(rd->p, name, r, lat, occ) < 0)
        return oom(rd);
    return unique(rd, &rd->ops, "ops", rd->p->ops[i].name, i);
}

static int read_edge(reader *rd, const cJSON *obj, int i)
{
    static const char *const fields[] = {"from", "to", "delay", "distance", NULL};
    const char *from, *to;
    int64_t delay, dist;
    int st, a, b;
    set_at(rd, "edges", i, NULL);
    if ((st = check_fields(rd, obj, fields)) || (st = get_str(rd, obj, "from", 1, &from)) ||
        (st = get_str(rd, obj, "to", 1, &to)))
        return st;
    snprintf(rd->at, sizeof rd->at, "edges[%d] (%.80s -> %.80s)", i, from, to);
    if ((st = lookup(rd, &rd->ops, "op", "from", from, &a)) ||
        (st = lookup(rd, &rd->ops, "op", "to", to, &b)) ||
        (st = get_int(rd, obj, "delay", 0, 0, -9007199254740992LL, &delay)) ||
        (st = get_int(rd, obj, "distance", 0, 0, 0, &dist)))
        return st;
    return sched_add_edge(rd->p, a, b, delay, dist) < 0 ? oom(rd) : NNP_OK;
}

static int read_pool(reader *rd, const cJSON *obj, int i)
{
    static const char *const fields[] = {"name", "capacity", NULL};
    const char *name;
    int64_t cap;
    int st;
    set_at(rd, "pools", i, NULL);
    if ((st = get_str(rd, obj, "name", 1, &name)))
        return st;
    set_at(rd, "pools", i, name);
    if ((st = check_fields(rd, obj, fields)) || (st = get_int(rd, obj, "capacity", 1, 0, 0, &cap)))
        return st;
    if (sched_add_pool(rd->p, name, cap) < 0)
        return oom(rd);
    return unique(rd, &rd->pools, "pools", rd->p->pools[i].name, i);
}

static int read_buffer(reader *rd, const cJSON *obj, int i)
{
    static const char *const fields[] = {"name", "pool", "bytes", "producer", "readers", NULL};
    const char *name, *pool, *prod;
    int64_t bytes;
    int st, q, v;
    set_at(rd, "buffers", i, NULL);
    if ((st = get_str(rd, obj, "name", 1, &name)))
        return st;
    set_at(rd, "buffers", i, name);
    if ((st = check_fields(rd, obj, fields)) || (st = get_str(rd, obj, "pool", 1, &pool)) ||
        (st = lookup(rd, &rd->pools, "pool", "pool", pool, &q)) ||
        (st = get_int(rd, obj, "bytes", 1, 0, 0, &bytes)) ||
        (st = get_str(rd, obj, "producer", 1, &prod)) ||
        (st = lookup(rd, &rd->ops, "op", "producer", prod, &v)))
        return st;
    const cJSON *rs = cJSON_GetObjectItemCaseSensitive(obj, "readers");
    if (rs && !cJSON_IsArray(rs) && !cJSON_IsNull(rs))
        return fail(rd, "readers", "must be an array of op names, not %s", kind_of(rs));
    int n = cJSON_IsArray(rs) ? cJSON_GetArraySize(rs) : 0, k = 0;
    int *readers = xcalloc((size_t)n, sizeof *readers);
    if (!readers)
        return oom(rd);
    for (const cJSON *it = cJSON_IsArray(rs) ? rs->child : NULL; it && !st; it = it->next, k++) {
        char field[32];
        snprintf(field, sizeof field, "readers[%d]", k);
        if (!cJSON_IsString(it))
            st = fail(rd, field, "must be an op name, not %s", kind_of(it));
        else
            st = lookup(rd, &rd->ops, "op", field, it->valuestring, &readers[k]);
    }
    if (!st && sched_add_buffer(rd->p, name, q, bytes, v, readers, n) < 0)
        st = oom(rd);
    free(readers);
    return st;
}

typedef int (*entry_reader)(reader *rd, const cJSON *obj, int i);

static int read_section(reader *rd, const cJSON *root, const char *key, int required,
                        entry_reader fn, name_map *map)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!arr && !required)
        return map && map_init(map, 0) ? oom(rd) : NNP_OK;
    if (!arr)
        return err_set(rd->e, NNP_INVALID, "%s: missing top-level field \"%s\"", rd->fname, key);
    if (!cJSON_IsArray(arr))
        return err_set(rd->e, NNP_INVALID, "%s: %s: must be an array, not %s", rd->fname, key,
                       kind_of(arr));
    if (map && map_init(map, cJSON_GetArraySize(arr)))
        return oom(rd);
    int i = 0, st = NNP_OK;
    for (const cJSON *it = arr->child; it && !st; it = it->next, i++)
        st = fn(rd, it, i);
    return st;
}

int loop_json_parse(const char *text, size_t len, const char *fname, sched_problem *p,
                    nnp_err *e)
{
    cJSON *root;
    int st = json_parse(fname, text, len, &root, e);
    if (st)
        return st;
    reader rd = {.fname = fname, .p = p, .e = e};
    static const char *const fields[] = {"name", "comment", "resources", "ops", "edges",
                                         "pools", "buffers", NULL};
    snprintf(rd.at, sizeof rd.at, "top level");
    st = check_fields(&rd, root, fields);
    if (!st)
        st = read_section(&rd, root, "resources", 0, read_resource, &rd.res);
    if (!st)
        st = read_section(&rd, root, "ops", 1, read_op, &rd.ops);
    if (!st)
        st = read_section(&rd, root, "edges", 0, read_edge, NULL);
    if (!st)
        st = read_section(&rd, root, "pools", 0, read_pool, &rd.pools);
    if (!st)
        st = read_section(&rd, root, "buffers", 0, read_buffer, NULL);
    if (!st && (st = sched_check(p, e)))
        err_prefix(e, "%s", fname);
    map_free(&rd.res);
    map_free(&rd.ops);
    map_free(&rd.pools);
    cJSON_Delete(root);
    return st;
}

int loop_json_read(const char *path, sched_problem *p, nnp_err *e)
{
    char *text;
    size_t len;
    int st = read_file(path, (size_t)256 << 20, &text, &len, e);
    if (st)
        return st;
    st = loop_json_parse(text, len, path, p, e);
    free(text);
    return st;
}

/* Reading target descriptions from JSON, and the cost rule they imply.
 *
 * The reader walks the cJSON tree with one small checked getter per value
 * kind; each getter knows the dotted path of the field it reads, so every
 * message names it ("npu.json: units[2].throughput: must be > 0"). Unknown
 * fields are rejected rather than ignored: a misspelt "thruput" would
 * otherwise silently leave a required value missing or a default in place.
 * Syntax errors are reported as LABEL:LINE:COL with the reason, found by
 * the JSON scanner the model reader uses too (ir/json_syntax.h) once cJSON
 * has refused the text: cJSON says only roughly where, and a file nested
 * deeper than its limit would otherwise be plain "invalid JSON".
 *
 * Unit roles (which unit a load, a store, a MAC-heavy or an elementwise op
 * runs on) are resolved once here, with fallbacks, so the lowering pass
 * never has to ask whether a target has a vector unit. */
#include "target.h"

#include "json_syntax.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Keep samples/targets/npu.json byte for byte identical (a test checks). */
const char target_default_json[] =
    "{\n"
    "  \"name\": \"npu\",\n"
    "  \"description\": \"A generic edge NPU and nnpipe's default target: separate input and "
    "output DMA engines (16 bytes/cycle each), a 32x32 MAC array (1024 MACs/cycle), a "
    "32-lane vector unit for pooling and elementwise work, and 256 KiB of unified local "
    "memory, at 1 GHz.\",\n"
    "  \"clock_mhz\": 1000,\n"
    "  \"memory\": {\n"
    "    \"bytes\": 262144,\n"
    "    \"alignment\": 64\n"
    "  },\n"
    "  \"units\": [\n"
    "    {\"name\": \"dma_in\", \"kind\": \"dma_in\", \"count\": 1, \"throughput\": 16, "
    "\"latency\": 64, \"pipelined\": false},\n"
    "    {\"name\": \"dma_out\", \"kind\": \"dma_out\", \"count\": 1, \"throughput\": 16, "
    "\"latency\": 64, \"pipelined\": false},\n"
    "    {\"name\": \"mac\", \"kind\": \"mac\", \"count\": 1, \"throughput\": 1024, "
    "\"latency\": 16, \"pipelined\": true},\n"
    "    {\"name\": \"vector\", \"kind\": \"vector\", \"count\": 1, \"throughput\": 32, "
    "\"latency\": 8, \"pipelined\": true}\n"
    "  ]\n"
    "}\n";

static const char *const unit_kind_names[UNIT_KIND_COUNT] = {
    [UNIT_DMA_IN] = "dma_in", [UNIT_DMA_OUT] = "dma_out", [UNIT_DMA] = "dma",
    [UNIT_MAC] = "mac",       [UNIT_VECTOR] = "vector",   [UNIT_SCALAR] = "scalar",
};

static const char *const pool_names[POOL_COUNT] = {
    [POOL_UNIFIED] = "unified", [POOL_INPUT] = "input", [POOL_WEIGHT] = "weight",
    [POOL_OUTPUT] = "output",
};

/* Role -> unit kinds in order of preference. */
static const unit_kind role_prefs[ROLE_COUNT][3] = {
    [ROLE_LOAD] = {UNIT_DMA_IN, UNIT_DMA, UNIT_DMA},
    [ROLE_STORE] = {UNIT_DMA_OUT, UNIT_DMA, UNIT_DMA},
    [ROLE_MAC] = {UNIT_MAC, UNIT_VECTOR, UNIT_SCALAR},
    [ROLE_VECTOR] = {UNIT_VECTOR, UNIT_SCALAR, UNIT_MAC},
};

/* Bounds that keep every cost and size product far from overflow. */
#define MAX_MEM_BYTES ((int64_t)1 << 40)
#define MAX_LATENCY ((int64_t)1 << 32)
#define MAX_COUNT 4096
#define MAX_THROUGHPUT 1e12

const char *unit_kind_name(unit_kind k)
{
    return k >= 0 && k < UNIT_KIND_COUNT ? unit_kind_names[k] : "?";
}

const char *mem_pool_name(mem_pool p)
{
    return p >= 0 && p < POOL_COUNT ? pool_names[p] : "?";
}

/* The reader's state: where messages point. */
typedef struct reader {
    const char *label;
    nnp_err *e;
} reader;

static int fail(const reader *r, const char *path, const char *msg)
{
    return err_set(r->e, NNP_INVALID, "%s: %s: %s", r->label, path, msg);
}

static void join(char *buf, size_t len, const char *path, const char *key)
{
    snprintf(buf, len, "%s%s%s", path, path[0] ? "." : "", key);
}

/* Rejects fields outside allowed (a NULL-terminated list) and duplicates. */
static int check_keys(const reader *r, const cJSON *obj, const char *path,
                      const char *const *allowed)
{
    char p[160];
    for (const cJSON *it = obj->child; it; it = it->next) {
        join(p, sizeof p, path, it->string);
        int known = 0;
        for (int k = 0; allowed[k]; k++)
            known |= strcmp(allowed[k], it->string) == 0;
        if (!known)
            return fail(r, p, "unknown field");
        for (const cJSON *o = obj->child; o != it; o = o->next)
            if (strcmp(o->string, it->string) == 0)
                return fail(r, p, "given twice");
    }
    return NNP_OK;
}

/* A number field: *v keeps def when the field is absent and not required. */
static int get_number(const reader *r, const cJSON *obj, const char *path, const char *key,
                      int required, double *v)
{
    char p[160];
    join(p, sizeof p, path, key);
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!it)
        return required ? fail(r, p, "missing") : NNP_OK;
    if (!cJSON_IsNumber(it))
        return fail(r, p, "must be a number");
    *v = it->valuedouble;
    return NNP_OK;
}

/* An integer field within [lo, hi]; `what` describes the bound in messages. */
static int get_int(const reader *r, const cJSON *obj, const char *path, const char *key,
                   int required, int64_t lo, int64_t hi, int64_t *v)
{
    char p[160], msg[96];
    double d = (double)*v;
    int rc = get_number(r, obj, path, key, required, &d);
    if (rc)
        return rc;
    join(p, sizeof p, path, key);
    if (d != floor(d))
        return fail(r, p, "must be an integer");
    if (d < (double)lo) {
        if (lo == 0)
            return fail(r, p, "must be >= 0");
        snprintf(msg, sizeof msg, "must be > %lld", (long long)lo - 1);
        return fail(r, p, msg);
    }
    if (d > (double)hi) {
        snprintf(msg, sizeof msg, "must be at most %lld", (long long)hi);
        return fail(r, p, msg);
    }
    *v = (int64_t)d;
    return NNP_OK;
}

static int get_positive(const reader *r, const cJSON *obj, const char *path, const char *key,
                        double hi, double *v)
{
    char p[160], msg[64];
    int rc = get_number(r, obj, path, key, 1, v);
    if (rc)
        return rc;
    join(p, sizeof p, path, key);
    if (!(*v > 0))
        return fail(r, p, "must be > 0");
    if (*v > hi) {
        snprintf(msg, sizeof msg, "must be at most %g", hi);
        return fail(r, p, msg);
    }
    return NNP_OK;
}

static int get_string(const reader *r, const cJSON *obj, const char *path, const char *key,
                      int required, const char **v)
{
    char p[160];
    join(p, sizeof p, path, key);
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!it)
        return required ? fail(r, p, "missing") : NNP_OK;
    if (!cJSON_IsString(it))
        return fail(r, p, "must be a string");
    if (required && !it->valuestring[0])
        return fail(r, p, "must not be empty");
    *v = it->valuestring;
    return NNP_OK;
}

static int get_bool(const reader *r, const cJSON *obj, const char *path, const char *key,
                    int *v)
{
    char p[160];
    join(p, sizeof p, path, key);
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!it)
        return NNP_OK;
    if (!cJSON_IsBool(it))
        return fail(r, p, "must be true or false");
    *v = cJSON_IsTrue(it);
    return NNP_OK;
}

static int get_object(const reader *r, const cJSON *obj, const char *path, const char *key,
                      int required, const cJSON **v)
{
    char p[160];
    join(p, sizeof p, path, key);
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    *v = NULL;
    if (!it)
        return required ? fail(r, p, "missing") : NNP_OK;
    if (!cJSON_IsObject(it))
        return fail(r, p, "must be an object");
    *v = it;
    return NNP_OK;
}

static int parse_kind(const reader *r, const char *path, const char *s, unit_kind *k)
{
    for (int i = 0; i < UNIT_KIND_COUNT; i++)
        if (strcmp(s, unit_kind_names[i]) == 0) {
            *k = (unit_kind)i;
            return NNP_OK;
        }
    char msg[200];
    snprintf(msg, sizeof msg, "unknown kind '%.60s' (expected dma_in, dma_out, dma, mac, "
             "vector or scalar)", s);
    return fail(r, path, msg);
}

static int parse_unit(const reader *r, const cJSON *obj, int i, target *t)
{
    static const char *const keys[] = {"name", "kind", "count", "throughput", "latency",
                                       "pipelined", NULL};
    char path[32], p[64];
    snprintf(path, sizeof path, "units[%d]", i);
    if (!cJSON_IsObject(obj))
        return fail(r, path, "must be an object");
    target_unit *u = &t->units[i];
    const char *name = NULL, *kind = NULL;
    int64_t count = 1;
    int rc = check_keys(r, obj, path, keys);
    if (!rc)
        rc = get_string(r, obj, path, "name", 1, &name);
    if (!rc)
        rc = get_string(r, obj, path, "kind", 1, &kind);
    if (rc)
        return rc;
    join(p, sizeof p, path, "kind");
    rc = parse_kind(r, p, kind, &u->kind);
    if (!rc)
        rc = get_int(r, obj, path, "count", 0, 1, MAX_COUNT, &count);
    if (!rc)
        rc = get_positive(r, obj, path, "throughput", MAX_THROUGHPUT, &u->throughput);
    if (!rc)
        rc = get_int(r, obj, path, "latency", 0, 0, MAX_LATENCY, &u->latency);
    if (!rc)
        rc = get_bool(r, obj, path, "pipelined", &u->pipelined);
    if (rc)
        return rc;
    u->count = (int)count;
    for (int k = 0; k < i; k++)
        if (strcmp(t->units[k].name, name) == 0) {
            join(p, sizeof p, path, "name");
            char msg[120];
            snprintf(msg, sizeof msg, "'%.60s' is also the name of units[%d]", name, k);
            return fail(r, p, msg);
        }
    u->name = xstrdup(name);
    return u->name ? NNP_OK : err_set(r->e, NNP_NOMEM, "out of memory reading %s", r->label);
}

static int parse_units(const reader *r, const cJSON *root, target *t)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "units");
    if (!arr)
        return fail(r, "units", "missing");
    if (!cJSON_IsArray(arr))
        return fail(r, "units", "must be an array");
    int n = cJSON_GetArraySize(arr);
    if (n == 0)
        return fail(r, "units", "must list at least one unit");
    t->units = xcalloc((size_t)n, sizeof(target_unit));
    if (!t->units)
        return err_set(r->e, NNP_NOMEM, "out of memory reading %s", r->label);
    for (const cJSON *it = arr->child; it; it = it->next) {
        int rc = parse_unit(r, it, t->nunits, t);
        t->nunits++; /* counted even on failure so target_free frees a partial name */
        if (rc)
            return rc;
    }
    return NNP_OK;
}

static int parse_buffers(const reader *r, const cJSON *mem, target *t)
{
    static const char *const keys[] = {"input", "weight", "output", NULL};
    static const mem_pool pools[] = {POOL_INPUT, POOL_WEIGHT, POOL_OUTPUT};
    const cJSON *buf;
    int rc = get_object(r, mem, "memory", "buffers", 0, &buf);
    if (rc || !buf)
        return rc;
    rc = check_keys(r, buf, "memory.buffers", keys);
    int64_t sum = 0;
    for (int k = 0; k < 3 && !rc; k++) {
        rc = get_int(r, buf, "memory.buffers", keys[k], 1, 1, MAX_MEM_BYTES,
                     &t->pool_bytes[pools[k]]);
        sum += t->pool_bytes[pools[k]];
    }
    if (rc)
        return rc;
    if (sum > t->mem_bytes) {
        char msg[160];
        snprintf(msg, sizeof msg, "input + weight + output = %lld bytes exceed memory.bytes = "
                 "%lld", (long long)sum, (long long)t->mem_bytes);
        return fail(r, "memory.buffers", msg);
    }
    t->separate = 1;
    return NNP_OK;
}

static int parse_memory(const reader *r, const cJSON *root, target *t)
{
    static const char *const keys[] = {"bytes", "alignment", "buffers", NULL};
    const cJSON *mem;
    int rc = get_object(r, root, "", "memory", 1, &mem);
    if (!rc)
        rc = check_keys(r, mem, "memory", keys);
    if (!rc)
        rc = get_int(r, mem, "memory", "bytes", 1, 1, MAX_MEM_BYTES, &t->mem_bytes);
    t->align = 1;
    if (!rc)
        rc = get_int(r, mem, "memory", "alignment", 0, 1, 1 << 20, &t->align);
    if (rc)
        return rc;
    if (t->align & (t->align - 1))
        return fail(r, "memory.alignment", "must be a power of two");
    t->pool_bytes[POOL_UNIFIED] = t->mem_bytes;
    return parse_buffers(r, mem, t);
}

/* Picks each role's unit; a target lacking one is refused. */
static int resolve_roles(const reader *r, target *t)
{
    static const char *const missing[ROLE_COUNT] = {
        [ROLE_LOAD] = "no DMA engine for loads (kind dma_in or dma)",
        [ROLE_STORE] = "no DMA engine for stores (kind dma_out or dma)",
        [ROLE_MAC] = "no compute unit (kind mac, vector or scalar)",
        [ROLE_VECTOR] = "no compute unit (kind mac, vector or scalar)",
    };
    for (int role = 0; role < ROLE_COUNT; role++) {
        t->role_unit[role] = -1;
        for (int p = 0; p < 3 && t->role_unit[role] < 0; p++)
            for (int i = 0; i < t->nunits; i++)
                if (t->units[i].kind == role_prefs[role][p]) {
                    t->role_unit[role] = i;
                    break;
                }
        if (t->role_unit[role] < 0)
            return fail(r, "units", missing[role]);
    }
    return NNP_OK;
}

static int parse_root(const reader *r, const cJSON *root, target *t)
{
    static const char *const keys[] = {"name", "description", "clock_mhz", "memory", "units",
                                       NULL};
    const char *name = NULL, *desc = "";
    if (!cJSON_IsObject(root))
        return err_set(r->e, NNP_INVALID, "%s: the target must be a JSON object", r->label);
    int rc = check_keys(r, root, "", keys);
    if (!rc)
        rc = get_string(r, root, "", "name", 1, &name);
    if (!rc)
        rc = get_string(r, root, "", "description", 0, &desc);
    if (!rc)
        rc = get_positive(r, root, "", "clock_mhz", 1e6, &t->clock_mhz);
    if (!rc)
        rc = parse_memory(r, root, t);
    if (!rc)
        rc = parse_units(r, root, t);
    if (!rc)
        rc = resolve_roles(r, t);
    if (rc)
        return rc;
    t->name = xstrdup(name);
    t->description = xstrdup(desc);
    if (!t->name || !t->description)
        return err_set(r->e, NNP_NOMEM, "out of memory reading %s", r->label);
    return NNP_OK;
}

int target_parse(const char *text, size_t len, const char *label, target **out, nnp_err *e)
{
    *out = NULL;
    cJSON *root;
    int rc = json_parse(label, text, len, &root, e);
    if (rc)
        return rc;
    target *t = xcalloc(1, sizeof *t);
    if (!t) {
        cJSON_Delete(root);
        return err_set(e, NNP_NOMEM, "out of memory reading %s", label);
    }
    reader r = {label, e};
    rc = parse_root(&r, root, t);
    cJSON_Delete(root);
    if (rc) {
        target_free(t);
        return rc;
    }
    *out = t;
    return NNP_OK;
}

int target_load(const char *path, target **out, nnp_err *e)
{
    char *text;
    size_t len;
    *out = NULL;
    int rc = read_file(path, (size_t)1 << 24, &text, &len, e);
    if (rc)
        return rc;
    rc = target_parse(text, len, path, out, e);
    free(text);
    return rc;
}

int target_default(target **out, nnp_err *e)
{
    return target_parse(target_default_json, strlen(target_default_json), TARGET_DEFAULT_LABEL,
                        out, e);
}

void target_free(target *t)
{
    if (!t)
        return;
    for (int i = 0; i < t->nunits; i++)
        free(t->units[i].name);
    free(t->units);
    free(t->name);
    free(t->description);
    free(t);
}

int target_unit_for(const target *t, unit_role role)
{
    return t->role_unit[role];
}

/* ceil(work / throughput), exact in integers when the throughput is whole. */
static int64_t stream_cycles(const target_unit *u, int64_t work)
{
    double thr = u->throughput;
    if (thr == floor(thr) && thr <= 9007199254740992.0)
        return ceil_div(work, (int64_t)thr);
    double c = ceil((double)work / thr);
    return c >= 9.2e18 ? INT64_MAX : (int64_t)c;
}

int64_t unit_cycles(const target_unit *u, int64_t work)
{
    int64_t c = stream_cycles(u, work), r;
    return size_add(c, u->latency, &r) ? INT64_MAX : r;
}

int64_t unit_busy(const target_unit *u, int64_t work)
{
    if (!u->pipelined)
        return unit_cycles(u, work);
    return max64(1, stream_cycles(u, work));
}

int64_t target_capacity(const target *t, mem_pool p)
{
    return t->pool_bytes[target_pool(t, p)];
}

mem_pool target_pool(const target *t, mem_pool p)
{
    return t->separate && p != POOL_UNIFIED ? p : POOL_UNIFIED;
}

int64_t target_align(const target *t, int64_t n)
{
    int64_t r;
    if (size_add(n, t->align - 1, &r))
        return -1;
    return r / t->align * t->align;
}

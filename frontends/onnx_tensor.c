/* TensorProto to constant tensor: which of its data fields holds the
 * values, whether their amount matches the dims, and where they are
 * (inline little-endian bytes, decoded typed values, or a file beside the
 * model). Sizes are checked against the limits before anything of the dims'
 * size is allocated.
 *
 * External data is read only from inside the model's folder: the location
 * must be a relative path without "..", and its real path (symbolic links
 * resolved) must still lie in the folder, so a model cannot make nnpipe
 * read arbitrary files. */
#define _XOPEN_SOURCE 700
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "onnx_import.h"

void onnx_format_dims(const int64_t *dims, int n, char *buf, size_t len)
{
    size_t at = 0;
    at += (size_t)snprintf(buf, len, "[");
    for (int i = 0; i < n && at < len; i++)
        at += (size_t)snprintf(buf + at, len - at, i ? ", %lld" : "%lld", (long long)dims[i]);
    if (at < len)
        snprintf(buf + at, len - at, "]");
}

int onnx_dims_numel(const int64_t *dims, int ndims, const onnx_limits *lim, const char *what,
                    int64_t *numel, nnp_err *e)
{
    if (ndims > MAX_RANK)
        return err_set(e, NNP_UNSUPPORTED, "%s has rank %d; nnpipe supports rank up to %d", what,
                       ndims, MAX_RANK);
    int zero = 0;
    for (int i = 0; i < ndims; i++) {
        if (dims[i] < 0)
            return err_set(e, NNP_INVALID, "%s: dim %d is negative (%lld)", what, i,
                           (long long)dims[i]);
        if (dims[i] > lim->max_tensor_elems)
            return err_set(e, NNP_LIMIT, "%s: dim %d is %lld, more than the limit of %lld elements",
                           what, i, (long long)dims[i], (long long)lim->max_tensor_elems);
        zero |= dims[i] == 0;
    }
    int64_t p = 1;
    for (int i = 0; i < ndims && !zero; i++)
        if (size_mul(p, dims[i], &p) || p > lim->max_tensor_elems) {
            char d[200];
            onnx_format_dims(dims, ndims, d, sizeof d);
            return err_set(e, NNP_LIMIT, "%s: dims %s hold more than the limit of %lld elements",
                           what, d, (long long)lim->max_tensor_elems);
        }
    *numel = zero ? 0 : p;
    return NNP_OK;
}

/* Whether location, a relative path, stays inside its folder lexically: no
 * absolute path, no ".." component. (Symbolic links are checked after.) */
static int location_is_local(const char *loc)
{
    if (loc[0] == '/' || loc[0] == 0)
        return 0;
    for (const char *p = loc; *p;) {
        const char *end = strchr(p, '/');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == 2 && p[0] == '.' && p[1] == '.')
            return 0;
        p += n + (end != NULL);
    }
    return 1;
}

/* Opens model_dir/loc after checking that it resolves inside model_dir. */
static FILE *open_external(const char *model_dir, const char *loc, const char *what, nnp_err *e)
{
    if (!location_is_local(loc)) {
        err_set(e, NNP_INVALID,
                "%s: external data location '%s' leaves the model's folder (it must be a "
                "relative path without '..')",
                what, loc);
        return NULL;
    }
    size_t n = strlen(model_dir) + strlen(loc) + 2;
    char *path = malloc(n);
    char *rdir = realpath(model_dir, NULL);
    char *rfile = NULL;
    FILE *f = NULL;
    if (!path || !rdir) {
        err_set(e, path ? NNP_IO : NNP_NOMEM, "%s: cannot resolve the model's folder '%s'", what,
                model_dir);
        goto out;
    }
    snprintf(path, n, "%s/%s", model_dir, loc);
    rfile = realpath(path, NULL);
    size_t dl = strlen(rdir);
    if (!rfile) {
        err_set(e, NNP_IO, "%s: cannot open external data file '%s'", what, path);
        goto out;
    }
    if (strncmp(rfile, rdir, dl) != 0 || (rfile[dl] != '/' && strcmp(rdir, "/") != 0)) {
        err_set(e, NNP_INVALID, "%s: external data file '%s' resolves outside the model's folder",
                what, loc);
        goto out;
    }
    f = fopen(rfile, "rb");
    if (!f)
        err_set(e, NNP_IO, "%s: cannot open external data file '%s'", what, path);
out:
    free(path);
    free(rdir);
    free(rfile);
    return f;
}

/* Reads exactly `bytes` bytes of external data into a new buffer. */
static int read_external(const onnx_tensor_desc *t, const char *model_dir, int64_t bytes,
                         unsigned char **out, const char *what, nnp_err *e)
{
    if (!model_dir)
        return err_set(e, NNP_UNSUPPORTED,
                       "%s keeps its data in an external file, which needs the model to be "
                       "loaded from a file path",
                       what);
    if (!t->ext_location)
        return err_set(e, NNP_INVALID, "%s: external data has no 'location'", what);
    int64_t off = t->ext_offset < 0 ? 0 : t->ext_offset;
    if (t->ext_length >= 0 && t->ext_length != bytes)
        return err_set(e, NNP_INVALID, "%s: external data length is %lld bytes, but its dims need %lld",
                       what, (long long)t->ext_length, (long long)bytes);
    FILE *f = open_external(model_dir, t->ext_location, what, e);
    if (!f)
        return e ? e->code : NNP_IO;
    int rc = NNP_OK;
    unsigned char *buf = NULL;
    off_t size = -1;
    if (fseeko(f, 0, SEEK_END) == 0)
        size = ftello(f);
    if (size < 0 || (int64_t)size < off || (int64_t)size - off < bytes) {
        rc = err_set(e, NNP_INVALID,
                     "%s: external data file '%s' has %lld bytes, too few for %lld bytes at "
                     "offset %lld",
                     what, t->ext_location, (long long)size, (long long)bytes, (long long)off);
        goto out;
    }
    buf = malloc(bytes ? (size_t)bytes : 1);
    if (!buf) {
        rc = err_set(e, NNP_NOMEM, "%s: out of memory reading external data", what);
        goto out;
    }
    if (fseeko(f, (off_t)off, SEEK_SET) != 0 || fread(buf, 1, (size_t)bytes, f) != (size_t)bytes) {
        free(buf);
        buf = NULL;
        rc = err_set(e, NNP_IO, "%s: cannot read external data file '%s'", what, t->ext_location);
    }
out:
    fclose(f);
    *out = buf;
    return rc;
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const unsigned char *p)
{
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* Copies n little-endian elements of type dt from raw into dst. */
static void decode_le(int64_t dt, const unsigned char *raw, int64_t n, void *dst)
{
    for (int64_t i = 0; i < n; i++) {
        if (dt == ONNX_FLOAT) {
            uint32_t u = le32(raw + 4 * i);
            memcpy((float *)dst + i, &u, 4);
        } else {
            uint64_t u = le64(raw + 8 * i);
            memcpy((int64_t *)dst + i, &u, 8);
        }
    }
}

/* Checks which data field t uses and that its size matches numel. */
static int check_data_fields(const onnx_tensor_desc *t, int64_t numel, int64_t bytes,
                             const char *what, nnp_err *e)
{
    int isf = t->data_type == ONNX_FLOAT;
    const char *typed = isf ? "float_data" : "int64_data";
    size_t ntyped = isf ? t->nfloats : t->nint64s;
    const char *wrong = t->other_field ? t->other_field
                        : isf && t->nint64s ? "int64_data"
                        : !isf && t->nfloats ? "float_data"
                                             : NULL;
    if (wrong)
        return err_set(e, NNP_INVALID, "%s has data type %s but holds values in %s", what,
                       onnx_dtype_name(t->data_type), wrong);
    if (t->has_raw + (ntyped > 0) + t->external > 1)
        return err_set(e, NNP_INVALID, "%s has data in more than one of raw_data, %s and external data",
                       what, typed);
    char d[200];
    onnx_format_dims(t->dims, t->ndims, d, sizeof d);
    if (t->has_raw && (int64_t)t->raw_len != bytes)
        return err_set(e, NNP_INVALID, "%s: raw_data holds %zu bytes, but dims %s of %s need %lld",
                       what, t->raw_len, d, onnx_dtype_name(t->data_type), (long long)bytes);
    if (ntyped > 0 && (int64_t)ntyped != numel)
        return err_set(e, NNP_INVALID, "%s: %s holds %zu values, but dims %s need %lld", what, typed,
                       ntyped, d, (long long)numel);
    if (!t->has_raw && !ntyped && !t->external && numel > 0)
        return err_set(e, NNP_INVALID, "%s has no data (dims %s need %lld values)", what, d,
                       (long long)numel);
    return NNP_OK;
}

int onnx_tensor_load(const onnx_tensor_desc *t, const char *model_dir, const onnx_limits *lim,
                     tensor *dst, nnp_err *e)
{
    char what[160];
    snprintf(what, sizeof what, "tensor '%s'", t->name ? t->name : "");
    int64_t dt = t->data_type;
    if (dt != ONNX_FLOAT && dt != ONNX_INT64)
        return err_set(e, NNP_UNSUPPORTED,
                       "%s has data type %s (%lld); nnpipe keeps only FLOAT and INT64 tensors",
                       what, onnx_dtype_name(dt), (long long)dt);
    if (t->has_segment)
        return err_set(e, NNP_UNSUPPORTED, "%s is segmented, which nnpipe does not support", what);
    int64_t numel, bytes;
    int rc = onnx_dims_numel(t->dims, t->ndims, lim, what, &numel, e);
    if (rc)
        return rc;
    size_t esize = dt == ONNX_FLOAT ? 4 : 8;
    if (size_mul(numel, (int64_t)esize, &bytes))
        return err_set(e, NNP_LIMIT, "%s is too large", what);
    rc = check_data_fields(t, numel, bytes, what, e);
    if (rc)
        return rc;
    unsigned char *ext = NULL;
    if (t->external && (rc = read_external(t, model_dir, bytes, &ext, what, e)))
        return rc;
    void *data = xcalloc(numel ? (size_t)numel : 1, esize);
    if (!data) {
        free(ext);
        return err_set(e, NNP_NOMEM, "%s: out of memory", what);
    }
    if (ext || t->has_raw)
        decode_le(dt, ext ? ext : t->raw, numel, data);
    else if (dt == ONNX_FLOAT && t->nfloats)
        memcpy(data, t->floats, (size_t)numel * esize);
    else if (dt == ONNX_INT64 && t->nint64s)
        memcpy(data, t->int64s, (size_t)numel * esize);
    free(ext);
    dst->type = dt == ONNX_FLOAT ? DT_FLOAT : DT_INT64;
    dst->rank = t->ndims;
    memset(dst->dims, 0, sizeof dst->dims);
    for (int i = 0; i < t->ndims; i++)
        dst->dims[i] = t->dims[i];
    if (dt == ONNX_FLOAT)
        dst->data = data;
    else
        dst->idata = data;
    return NNP_OK;
}

int onnx_model_dir(const char *path, char **dir, nnp_err *e)
{
    const char *slash = strrchr(path, '/');
    size_t n = slash ? (size_t)(slash - path) : 1;
    *dir = malloc(n + 2);
    if (!*dir)
        return err_set(e, NNP_NOMEM, "out of memory");
    if (!slash)
        memcpy(*dir, ".", 2);
    else if (n == 0)
        memcpy(*dir, "/", 2);
    else {
        memcpy(*dir, path, n);
        (*dir)[n] = 0;
    }
    return NNP_OK;
}

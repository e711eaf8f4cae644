/* nnp_model_open_limited: the size limits a model is read under, their
 * defaults, and refusals that name the limit and its value, from a file and
 * from memory; each limit is set just below what the sample needs, then
 * raised to exactly that. */
#include <criterion/criterion.h>
#include <nnpipe/nnpipe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static void expect_limit(nnp_model *m, int rc, const char *needle)
{
    cr_assert_eq(rc, NNP_LIMIT, "status %d: %s", rc, nnp_model_errmsg(m));
    cr_assert(strstr(nnp_model_errmsg(m), needle), "'%s' not in: %s", needle,
              nnp_model_errmsg(m));
    nnp_model_close(m);
}

Test(api_model_limits, the_defaults_are_the_documented_ones)
{
    nnp_model_limits lim;
    nnp_model_limits_default(&lim);
    cr_assert_eq(lim.max_file_bytes, (size_t)1 << 30);
    cr_assert_eq(lim.max_nodes, 1000000);
    cr_assert_eq(lim.max_tensor_elems, (int64_t)1 << 30);
    nnp_model_limits_default(NULL); /* no crash */
}

Test(api_model_limits, lowered_limits_refuse_naming_the_limit_raised_ones_read)
{
    const char *path = src_path("samples/lenet5.json");
    nnp_model_limits lim;
    nnp_model *m;
    int nodes = 0;
    cr_assert_eq(nnp_model_open_limited(path, NULL, &m), NNP_OK, "%s", nnp_model_errmsg(m));
    nodes = nnp_model_node_count(m);
    nnp_model_close(m);
    cr_assert_gt(nodes, 2);

    nnp_model_limits_default(&lim);
    lim.max_file_bytes = 100;
    expect_limit(m, nnp_model_open_limited(path, &lim, &m), "limit of 100 bytes");

    nnp_model_limits_default(&lim);
    lim.max_nodes = nodes - 1;
    char want[64];
    snprintf(want, sizeof want, "%d nodes; the limit is %d", nodes, nodes - 1);
    cr_assert_eq(nnp_model_open_limited(path, &lim, &m), NNP_LIMIT);
    expect_limit(m, NNP_LIMIT, want);

    nnp_model_limits_default(&lim);
    lim.max_tensor_elems = 10;
    cr_assert_eq(nnp_model_open_limited(path, &lim, &m), NNP_LIMIT);
    expect_limit(m, NNP_LIMIT,
                 "tensor 'conv1_w': dims [6, 1, 5, 5] hold more than the limit of 10 elements");

    lim.max_nodes = nodes;
    lim.max_tensor_elems = (int64_t)1 << 30;
    cr_assert_eq(nnp_model_open_limited(path, &lim, &m), NNP_OK, "%s", nnp_model_errmsg(m));
    cr_assert_eq(nnp_model_node_count(m), nodes);
    nnp_model_close(m);
}

Test(api_model_limits, a_buffer_is_held_to_the_same_limits)
{
    char *text;
    long len = 0;
    FILE *f = fopen(src_path("samples/tinymlp.json"), "rb");
    cr_assert_not_null(f);
    fseek(f, 0, SEEK_END);
    len = ftell(f);
    rewind(f);
    text = malloc((size_t)len);
    cr_assert_eq(fread(text, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    nnp_model_limits lim;
    nnp_model_limits_default(&lim);
    lim.max_file_bytes = (size_t)len - 1;
    nnp_model *m;
    char want[64];
    snprintf(want, sizeof want, "%ld bytes is more than the limit of %ld", len, len - 1);
    int rc = nnp_model_open_buffer_limited(text, (size_t)len, "mlp.json", &lim, &m);
    cr_assert(strstr(nnp_model_errmsg(m), "mlp.json"), "%s", nnp_model_errmsg(m));
    expect_limit(m, rc, want);
    lim.max_file_bytes = (size_t)len;
    cr_assert_eq(nnp_model_open_buffer_limited(text, (size_t)len, "mlp.json", &lim, &m), NNP_OK,
                 "%s", nnp_model_errmsg(m));
    nnp_model_close(m);
    free(text);
}

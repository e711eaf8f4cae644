#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

Test(util, size_mul_detects_overflow)
{
    int64_t r = 0;
    cr_assert_eq(size_mul(1 << 20, 1 << 20, &r), 0);
    cr_assert_eq(r, (int64_t)1 << 40);
    cr_assert_eq(size_mul(INT64_MAX / 2 + 1, 2, &r), -1);
    cr_assert_eq(size_mul(-1, 2, &r), -1);
}

Test(util, size_prod_of_dims)
{
    int64_t d[] = {1, 3, 128, 128}, r;
    cr_assert_eq(size_prod(d, 4, &r), 0);
    cr_assert_eq(r, 49152);
    int64_t big[] = {(int64_t)1 << 40, (int64_t)1 << 40};
    cr_assert_eq(size_prod(big, 2, &r), -1);
}

Test(util, floor_div_rounds_toward_minus_infinity)
{
    cr_assert_eq(floor_div(-1, 2), -1);
    cr_assert_eq(floor_div(-4, 2), -2);
    cr_assert_eq(floor_div(5, 2), 2);
    cr_assert_eq(ceil_div(5, 2), 3);
}

Test(util, err_prefix_keeps_code_and_message)
{
    nnp_err e;
    err_set(&e, NNP_INVALID, "bad dim %d", 3);
    err_prefix(&e, "model.json");
    cr_assert_str_eq(e.msg, "model.json: bad dim 3");
    cr_assert_eq(e.code, NNP_INVALID);
}

Test(util, strbuf_grows)
{
    strbuf b = {0};
    for (int i = 0; i < 1000; i++)
        sb_printf(&b, "%d,", i);
    cr_assert(!b.failed);
    cr_assert_eq(b.len, strlen(b.s));
    cr_assert(strncmp(b.s, "0,1,2,", 6) == 0);
    sb_free(&b);
}

Test(util, atomic_write_replaces_file)
{
    const char *p = "/tmp/nnp_util_atomic.txt";
    nnp_err e;
    cr_assert_eq(write_file_atomic(p, "one", 3, &e), NNP_OK);
    cr_assert_eq(write_file_atomic(p, "two!", 4, &e), NNP_OK);
    char *s;
    size_t n;
    cr_assert_eq(read_file(p, 1 << 20, &s, &n, &e), NNP_OK);
    cr_assert_str_eq(s, "two!");
    free(s);
    remove(p);
    cr_assert_eq(write_file_atomic("/nonexistent-dir/x", "a", 1, &e), NNP_IO);
    cr_assert(strstr(e.msg, "/nonexistent-dir/x") != NULL);
}

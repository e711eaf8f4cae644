/* The version of the library actually linked, which a program compiled
 * against other headers can compare with NNPIPE_VERSION_NUMBER. The numbers
 * come from the header, which is also where CMake reads the project version,
 * so there is one place to change it. */
#include "nnpipe/nnpipe.h"

const char *nnp_version(void)
{
    return NNPIPE_VERSION_STRING;
}

int nnp_version_number(void)
{
    return NNPIPE_VERSION_NUMBER;
}

/*
 * write_json.c - placeholder until the JSON writer lands: says so.
 */
#include "report.h"

int write_json(FILE *fp, const struct report *r)
{
    (void)r;
    (void)fp;
    fprintf(stderr, "bouncescope: --format json is not available in this build yet\n");
    return -1;
}

/*
 * write_html.c - placeholder until the HTML writer lands: says so.
 */
#include "report.h"

int write_html(FILE *fp, const struct report *r)
{
    (void)r;
    (void)fp;
    fprintf(stderr, "bouncescope: --format html is not available in this build yet\n");
    return -1;
}

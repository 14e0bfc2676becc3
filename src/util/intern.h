/*
 * intern.h - one copy of a string for the whole process.
 *
 *   const char *intern(const char *s);
 *
 * Returns a copy of s that lives until the process exits; equal strings give
 * the same pointer, so callers may compare interned strings by pointer. Meant
 * for the few names a run borrows everywhere (input file names): events and
 * problem examples point at them without owning them.
 *
 * Memory: never freed on purpose (still reachable at exit, so not a leak);
 * a lookup walks the list, which is fine for tens of names, not for data.
 */
#ifndef BS_INTERN_H
#define BS_INTERN_H

const char *intern(const char *s);

#endif

/* misuse.h — the C test bodies of misuse.c. */
#ifndef SK400VOP_CTEST_MISUSE_H
#define SK400VOP_CTEST_MISUSE_H

struct sk400vop_ctest {
    const char *name;
    const char *(*run)(void); /* NULL on success, else a message */
};

/* The tests, ended by a {NULL, NULL} entry. */
extern const struct sk400vop_ctest sk400vop_ctests[];

#endif

/* Sigma conditions (daemon/engine/sigma_cond.c): parse once at load into a
 * tree over selection indices, evaluate with three-valued logic.
 * Grammar (Sigma v2 precedence, loosest first): or, and, not, then
 * parentheses, identifiers, `1 of PATTERN`, `all of PATTERN`, `1 of them`,
 * `all of them`.  PATTERN may hold `*` wildcards; `them` and patterns never
 * match identifiers that start with `_`.  `x of` with a number other than
 * 1 is unsupported (-ENOTSUP).  A pattern that matches no identifier and an
 * unknown identifier are errors (-EINVAL).  Keywords are case-insensitive
 * (`AND`, `Not`). */
#pragma once
#include <stddef.h>
#include "spoor/tri.h"

struct cond_node;

/* Parse `text` against the rule's selection names.  0, or -EINVAL /
 * -ENOTSUP with err ("condition: unknown identifier 'selction' at 9"). */
int cond_parse(const char *text, const char *const *names, size_t nnames, struct cond_node **out,
               char *err, size_t errlen);

/* Combine several conditions (a condition list) into one: OR.  Takes
 * ownership of the nodes.  NULL on ENOMEM (the nodes are freed). */
struct cond_node *cond_or(struct cond_node **nodes, size_t n);

/* Evaluate; `leaf(ud, i)` gives selection i's result.  Short-circuits:
 * a leaf is not evaluated when its value cannot change the result. */
enum tri cond_eval(const struct cond_node *n, enum tri (*leaf)(void *ud, size_t sel), void *ud);

/* Selection indices the condition references, each once, into idx (at most
 * max); returns how many. */
size_t cond_selections(const struct cond_node *n, size_t *idx, size_t max);

/* The condition as text with explicit parentheses (tests, --check -v).  Returns buf. */
char *cond_format(const struct cond_node *n, const char *const *names, char *buf, size_t len);

void cond_free(struct cond_node *n);

/* YAML → json-c trees, for the config and for Sigma rules.  Every node
 * produced carries its source position (yaml_node_mark()).  Plain scalars
 * are typed (null, ~, true/false, integers, floats); quoted scalars are
 * always strings.  Aliases are resolved (bounded: a document may not expand
 * to more than YAML_MAX_NODES nodes); duplicate mapping keys are errors;
 * tags other than the core schema's are ignored.
 * An alias shares the anchored json_object (a DAG): treat trees as read-only.
 * Marks live in each node's userdata, so json_object_deep_copy() fails unless
 * its shallow_copy callback returns 2 (the copy then has no marks). */
#pragma once
#include <stddef.h>

#define YAML_MAX_NODES 1000000
#define YAML_MAX_DEPTH 64

struct json_object;

struct yaml_error {
        char file[256];
        unsigned line, column;  /* 1-based; 0 when unknown */
        char msg[256];
};

/* Load every document of a file or buffer into *docs (a json array, one
 * element per document; owned by the caller).  0, or -errno / -EINVAL with
 * *err filled ("file:line:column: message"). */
int yaml_load_file(const char *path, struct json_object **docs, struct yaml_error *err);
int yaml_load_buffer(const char *name, const char *buf, size_t len,
                     struct json_object **docs, struct yaml_error *err);

/* Source position of a node made by the loader: 0 and *line, *column set
 * (1-based), or -ENOENT for nodes not made by the loader. */
int yaml_node_mark(struct json_object *node, unsigned *line, unsigned *column);

/* Source position of `key` in a mapping made by the loader (the key itself,
 * not its value: also works when the value is null).  0, or -ENOENT. */
int yaml_key_mark(struct json_object *map, const char *key, unsigned *line, unsigned *column);

/* "file:line:column" of a node, for error messages (file may be NULL). */
void yaml_format_mark(char *buf, size_t len, const char *file, struct json_object *node);

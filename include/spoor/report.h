/* Coverage reports (daemon/coverage/report.c): <spool>/coverage.json (per
 * host and channel what was seen, the open gaps; per rule on how many live
 * hosts it can fire; fleet totals) and <spool>/attack-layer.json (an ATT&CK
 * Navigator 4.5 layer: per technique the share of live hosts where a rule
 * tagged with it can fire).  Both are replaced atomically (state_publish:
 * temp, fsync, rename, fsync dir) so a reader never sees a partial file.
 *
 * Definitions:
 *   live      a host whose last event is within 2 x coverage.grace of the
 *             newest event time of any host.
 *   can fire  a rule on a host: one of its variants reads a channel the
 *             host has sent (or names no channel) and no open gap of the
 *             host blocks it: host_silent; channel_silent on its channel;
 *             audit_off on its channel for one of its event ids;
 *             field_missing on its channel for a field it reads.  Counted over live hosts only (share = can_fire_hosts
 *             / live_hosts, 0 without live hosts).
 *   score     a technique's: the percentage (integer, 0..100) of live hosts
 *             where at least one rule tagged attack.tNNNN[.NNN] can fire. */
#pragma once
#include <stdint.h>

struct json_object;
struct coverage;
struct ruleset;

#define REPORT_COVERAGE_FILE "coverage.json"
#define REPORT_LAYER_FILE "attack-layer.json"

/* Build both documents as json-c objects (rs may be NULL: no rules).
 * now_us: "generated".  coverage.json is rendered as report_write streams
 * it, into memory, and parsed: for tests and small models, a tree of the
 * whole fleet.  0 or -ENOMEM; the caller puts the objects. */
int report_render(const struct coverage *cov, const struct ruleset *rs, int64_t grace_us, int64_t now_us,
                  struct json_object **coverage_out, struct json_object **layer_out);

/* Render and publish both into the directory dirfd.  coverage.json is
 * written as it is rendered (no tree of the whole fleet: memory of a few
 * tens of bytes per host), in time hosts x (channels + open gaps) plus
 * rules x the distinct kinds of host (daemon/coverage/report.c).  0 or
 * -errno. */
int report_write(int dirfd, const struct coverage *cov, const struct ruleset *rs, int64_t grace_us, int64_t now_us);

/* Private to daemon/coverage: see fields.c.  Placeholder until fields.c lands. */
#pragma once
#include <stdint.h>

struct coverage;
struct cov_host;
struct cov_chan;
struct winevent;

struct cov_fields_fleet {
        int unused;
};

struct cov_fields_host {
        int unused;
};

struct cov_fields_chan {
        int unused;
};

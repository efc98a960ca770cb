/* Private to daemon/coverage: see twins.c.  Placeholder until twins.c lands. */
#pragma once
#include <stdint.h>

struct coverage;
struct cov_host;
struct cov_chan;
struct winevent;

struct cov_twins_fleet {
        int unused;
};

struct cov_twins_host {
        int unused;
};

struct cov_twins_chan {
        int unused;
};

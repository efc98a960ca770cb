/* Placeholder: the twins gap family lands here (see coverage_impl.h). */
#include "coverage_impl.h"

void cov_twins_set_rules(struct coverage *cov)
{
}

void cov_twins_event(struct coverage *cov, struct cov_host *h, const struct winevent *ev)
{
}

void cov_twins_flush(struct coverage *cov, struct cov_host *h)
{
}

void cov_twins_host_fini(struct cov_host *h)
{
}

void cov_twins_fleet_fini(struct coverage *cov)
{
}


/* Placeholder: the fields gap family lands here (see coverage_impl.h). */
#include "coverage_impl.h"

int cov_fields_set_rules(struct coverage *cov)
{
        return 0;
}

void cov_fields_event(struct coverage *cov, struct cov_host *h, struct cov_chan *c, const struct winevent *ev)
{
}

void cov_fields_host_fini(struct cov_host *h)
{
}

void cov_fields_chan_fini(struct cov_chan *c)
{
}

void cov_fields_fleet_fini(struct coverage *cov)
{
}


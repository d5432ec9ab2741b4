#include "models/mechanisms/detection.hpp"

#include "models/mechanisms/routing.hpp"

namespace govsim::models::detection {

double detection_time(RunState& run, std::uint32_t m, Dispute& x) {
    CommunityState& cs = run.communities[m];
    const DetectionSpec& spec = run.sc.detection;
    const double trust = x.trust(run.world.units);
    const double report = x.record.onset + cs.detection.exponential(
                                               spec.report_delay_days *
                                               (1.0 + spec.trust_delay_elasticity * (1.0 - trust)));
    double detected = report;
    for (auto& lever : run.levers)
        detected = lever->detection_time(run, m, x, detected);
    return detected;
}

void detect(RunState& run, Site& site, double t, const Event& e) {
    Dispute& x = run.dispute(e);
    x.record.detected = t;
    ++run.counts(e.community).detections;
    if (x.dispatched)
        routing::dispatch(run, site, t, e);
    else
        routing::route(run, site, t, e);
}

} // namespace govsim::models::detection

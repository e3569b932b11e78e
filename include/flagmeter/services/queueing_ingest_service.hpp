#pragma once

#include "flagmeter/services/ingest_service.hpp"

namespace flagmeter {

class EventSink;
class Metrics;
class TenantDirectory;

/// Ingest over the queue: tenants admitted by the TenantDirectory, events
/// encoded (queue/event_codec.hpp) and pushed to the EventSink, accepted
/// events counted in flagmeter_events_accepted_total. All three outlive it.
/// Thread-safe.
class QueueingIngestService final : public IngestService {
 public:
  QueueingIngestService(TenantDirectory& tenants, EventSink& sink, Metrics& metrics)
      : tenants_(tenants), sink_(sink), metrics_(metrics) {}

  bool TenantsKnown(const std::vector<Event>& events) override;
  void AdmitTenants(const std::vector<Event>& events, Done done) override;
  void Enqueue(const std::vector<Event>& events, Done done) override;

 private:
  TenantDirectory& tenants_;
  EventSink& sink_;
  Metrics& metrics_;
};

}  // namespace flagmeter

// A C++ client of the v1 scheduler API over HTTP, used by Tepui's own
// frameworks and tools (`tepui run`, tests, benchmarks). It subscribes,
// decodes the RecordIO event stream, and sends calls with the framework id
// and Mesos-Stream-Id filled in. Runs on the caller's io_context.
#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <string>

#include "common/codec.hpp"
#include "common/result.hpp"
#include "http/client.hpp"
#include "http/recordio.hpp"
#include "tepui/v1/scheduler.pb.h"

namespace tepui::scheduler {

class SchedulerClient {
 public:
  struct Callbacks {
    std::function<void(const v1::scheduler::Event&)> onEvent;
    // The stream ended or could not be opened (why says which).
    std::function<void(const std::string& why)> onDisconnected;
  };

  SchedulerClient(boost::asio::io_context& io, http::Endpoint master, v1::FrameworkInfo info, Callbacks callbacks,
                  codec::ContentType type = codec::ContentType::PROTOBUF);
  ~SchedulerClient();

  // Opens the SUBSCRIBE stream; with a framework id in the info (or from a
  // previous SUBSCRIBED), this resubscribes.
  void subscribe();
  bool subscribed() const { return !streamId_.empty(); }
  const std::string& frameworkId() const { return frameworkId_; }
  const v1::FrameworkInfo& frameworkInfo() const { return info_; }

  using Done = std::function<void(Result<http::Response>)>;
  // Sends a call; framework_id and the stream id are filled in.
  void call(v1::scheduler::Call call, Done done = {});

  // Shorthands for the common calls.
  void accept(const std::vector<v1::OfferID>& offers, const std::vector<v1::Offer::Operation>& operations,
              std::optional<double> refuseSeconds = std::nullopt);
  void decline(const std::vector<v1::OfferID>& offers, std::optional<double> refuseSeconds = std::nullopt);
  void acknowledge(const v1::TaskStatus& status);  // no-op without a uuid
  // `gracePeriod` (seconds), if given, is the KILL's kill_policy: it may
  // shorten the task's own grace period.
  void kill(const v1::TaskID& task, const std::optional<v1::AgentID>& agent = std::nullopt,
            std::optional<double> gracePeriod = std::nullopt);
  void reconcile(const std::vector<std::pair<v1::TaskID, std::optional<v1::AgentID>>>& tasks = {});
  void revive();
  void suppress();
  // SHUTDOWN: the agent shuts the executor down (its shutdown grace period).
  void shutdown(const v1::ExecutorID& executor, const v1::AgentID& agent);
  void teardown(Done done = {});

  // Closes the stream (the master sees a disconnection).
  void close();
  // Another master (a new leader) for the next subscribe() and calls.
  void setMaster(http::Endpoint master) { master_ = std::move(master); }

 private:
  void onData(std::string_view data);

  boost::asio::io_context& io_;
  http::Endpoint master_;
  v1::FrameworkInfo info_;
  Callbacks callbacks_;
  codec::ContentType type_;
  http::Client client_;
  std::shared_ptr<http::ClientStream> stream_;
  http::recordio::Decoder decoder_;
  std::string frameworkId_;
  std::string streamId_;
};

}  // namespace tepui::scheduler

// The generic HTTP webhook channel (--http_notification_url): each
// notification is one POST of notificationJson() (notification.hpp) as
// application/json to the configured URL, with HTTP basic authentication
// when credentials ("user:password") are given.
//
// A 2xx answer is delivered; a connection error, a timeout or a 5xx is
// transient (the Notifier retries it); any other status (4xx, 3xx: no
// redirect is followed) is permanent. Plain HTTP only: an https:// URL is
// refused when the channel is made.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "http/client.hpp"
#include "jobs/notification_channel.hpp"

namespace tepui::jobs {

// "http://host[:port][/path?query]" (port 80 when left out) or
// "host:port[/path]": the endpoint and the request target ("/" when none).
struct WebhookTarget {
  http::Endpoint endpoint;
  std::string target;
};
Result<WebhookTarget> parseWebhookUrl(std::string_view url);

struct WebhookOptions {
  std::string url;
  std::string credentials;                   // "user:password", or "" for none
  std::chrono::milliseconds timeout{30000};  // per attempt
};

class WebhookChannel : public NotificationChannel {
 public:
  // An error names what is wrong with the URL or the credentials.
  static Result<std::unique_ptr<WebhookChannel>> make(boost::asio::io_context& io, const WebhookOptions& options);

  const std::string& name() const override { return name_; }
  bool accepts(const Notification&) const override { return true; }
  void attempt(const Notification& n, std::function<void(DeliveryOutcome)> done) override;

 private:
  WebhookChannel(boost::asio::io_context& io, WebhookTarget target, std::string authorization,
                 std::chrono::milliseconds timeout);

  std::string name_ = "http";
  http::Client client_;  // destroyed with the channel: no completion runs after
  WebhookTarget target_;
  std::string authorization_;  // the Authorization header's value, or ""
  std::chrono::milliseconds timeout_;
};

}  // namespace tepui::jobs

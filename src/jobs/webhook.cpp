#include "jobs/webhook.hpp"

#include <utility>

#include "common/json.hpp"
#include "jobs/base64.hpp"

namespace tepui::jobs {

Result<WebhookTarget> parseWebhookUrl(std::string_view url) {
  std::string_view rest = url;
  if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else if (rest.find("://") != std::string_view::npos) {
    return Error("'" + std::string(url) + "': only http:// URLs are supported");
  }
  size_t slash = rest.find('/');
  std::string authority(rest.substr(0, slash));
  std::string target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  bool bracketed = !authority.empty() && authority.front() == '[';
  bool hasPort = bracketed ? authority.find("]:") != std::string::npos : authority.find(':') != std::string::npos;
  if (!hasPort) authority += ":80";
  auto endpoint = http::parseEndpoint(authority);
  if (!endpoint) return Error("'" + std::string(url) + "': expected http://host[:port][/path]");
  for (char c : target) {
    if (static_cast<unsigned char>(c) <= ' ')
      return Error("'" + std::string(url) + "': the path holds a space or a control character");
  }
  return WebhookTarget{*endpoint, target};
}

Result<std::unique_ptr<WebhookChannel>> WebhookChannel::make(boost::asio::io_context& io,
                                                             const WebhookOptions& options) {
  auto target = parseWebhookUrl(options.url);
  if (!target.ok()) return target.error().context("--http_notification_url");
  std::string authorization;
  if (!options.credentials.empty()) {
    if (options.credentials.find(':') == std::string::npos) {
      return Error("--http_notification_credentials: expected user:password");
    }
    authorization = "Basic " + base64(options.credentials);
  }
  return std::unique_ptr<WebhookChannel>(
      new WebhookChannel(io, std::move(*target), std::move(authorization), options.timeout));
}

WebhookChannel::WebhookChannel(boost::asio::io_context& io, WebhookTarget target, std::string authorization,
                               std::chrono::milliseconds timeout)
    : client_(io), target_(std::move(target)), authorization_(std::move(authorization)), timeout_(timeout) {}

void WebhookChannel::attempt(const Notification& n, std::function<void(DeliveryOutcome)> done) {
  http::Request request;
  request.method = "POST";
  request.target = target_.target;
  request.headers["Content-Type"] = "application/json";
  if (!authorization_.empty()) request.headers["Authorization"] = authorization_;
  request.body = json::serialize(notificationJson(n));
  client_.request(
      target_.endpoint, std::move(request),
      [done = std::move(done)](Result<http::Response> response) {
        if (!response.ok()) return done(DeliveryOutcome::transient(response.error().message));
        int status = response->status;
        if (status >= 200 && status < 300) return done(DeliveryOutcome::delivered());
        std::string why = "HTTP " + std::to_string(status);
        if (!response->body.empty()) why += ": " + response->body.substr(0, 200);
        if (status >= 500) return done(DeliveryOutcome::transient(why));
        done(DeliveryOutcome::permanent(why));
      },
      http::RequestOptions{timeout_});
}

}  // namespace tepui::jobs

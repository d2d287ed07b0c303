#include "jobs/mail_channel.hpp"

#include <algorithm>
#include <utility>

#include "common/logging.hpp"
#include "jobs/smtp_message.hpp"

namespace tepui::jobs {

Result<std::unique_ptr<MailChannel>> MailChannel::make(boost::asio::io_context& io, const MailOptions& options) {
  std::string address = options.server;
  bool bracketed = !address.empty() && address.front() == '[';
  if (bracketed ? address.find("]:") == std::string::npos : address.find(':') == std::string::npos) {
    address += ":25";
  }
  auto endpoint = http::parseEndpoint(address);
  if (!endpoint || options.server.find('/') != std::string::npos) {
    return Error("--mail_server: '" + options.server + "': expected host[:port]");
  }
  if (!isPlainAddress(options.from)) {
    return Error("--mail_from: '" + options.from + "': expected an address like tepui@example.org");
  }
  if (options.user.empty() != options.password.empty()) {
    return Error("--mail_user and --mail_password: give both or neither");
  }
  for (const std::string* field : {&options.user, &options.password, &options.heloName}) {
    if (field->find_first_of("\r\n") != std::string::npos) return Error("mail options: line breaks are not allowed");
  }
  SmtpServer server{*endpoint, options.user, options.password, options.heloName, options.stepTimeout};
  return std::unique_ptr<MailChannel>(new MailChannel(io, std::move(server), options.from));
}

MailChannel::MailChannel(boost::asio::io_context& io, SmtpServer server, std::string from)
    : io_(io), server_(std::move(server)), from_(std::move(from)) {}

MailChannel::~MailChannel() {
  for (auto& session : sessions_) session->cancel();
}

bool MailChannel::accepts(const Notification& n) const { return !parseOwnerAddresses(n.owner).valid.empty(); }

void MailChannel::attempt(const Notification& n, std::function<void(DeliveryOutcome)> done) {
  OwnerAddresses owners = parseOwnerAddresses(n.owner);
  for (const auto& bad : owners.invalid) {
    TLOG(WARNING) << "mail for job " << n.job << ": skipping owner address '" << bad << "'";
  }
  if (owners.valid.empty()) return done(DeliveryOutcome::permanent("the owner lists no usable address"));
  MailContent mail{from_, owners.valid, notificationSubject(n), notificationText(n), n.time};
  SmtpEnvelope envelope{from_, owners.valid, composeMail(mail)};
  std::erase_if(sessions_, [](const auto& s) { return s->finished(); });
  sessions_.push_back(SmtpSession::start(io_, server_, std::move(envelope), std::move(done)));
}

}  // namespace tepui::jobs

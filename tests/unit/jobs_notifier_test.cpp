// The Notifier delivering to real loopback servers on the test's
// io_context: an HTTP server (src/http/server.hpp) for the webhook and a
// small SMTP server (tests/support/smtp_server.hpp) for mail. Retries,
// permanent failures, timeouts, the bounded queue and the counters.
// Backoffs are a few milliseconds so that retries happen while the loop
// runs; the loop runs until a condition holds or a deadline passes.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <deque>

#include "http/server.hpp"
#include "jobs/notifier_flags.hpp"
#include "support/run_loop.hpp"
#include "support/smtp_server.hpp"

namespace tepui::jobs {
namespace {

using namespace std::chrono_literals;

Notification failure(std::string job, std::string owner = "ops@example.org") {
  Notification n;
  n.kind = NotificationKind::kFailed;
  n.job = std::move(job);
  n.owner = std::move(owner);
  n.ownerName = "Ops";
  n.message = "exit status 3\n.hidden line\nlast";
  n.taskId = "ct:1:0:x:";
  n.time = std::chrono::system_clock::now();
  n.cluster = "prod";
  return n;
}

class JobsNotifierLoopback : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(http.listen("127.0.0.1", 0).ok()); }

  bool runUntil(const std::function<bool()>& done, std::chrono::milliseconds limit = 10s) {
    return testing::runLoopUntil(io, done, limit);
  }

  // Flags with quick retries: 4 attempts, 5ms doubling to 20ms.
  NotifierFlags quick() {
    NotifierFlags f;
    f.attempts = 4;
    f.backoff = Seconds(0.005);
    f.maxBackoff = Seconds(0.02);
    f.timeout = Seconds(5);
    return f;
  }
  NotifierFlags webhook(std::string path = "/hook") {
    NotifierFlags f = quick();
    f.httpUrl = "http://127.0.0.1:" + std::to_string(http.port()) + path;
    return f;
  }
  NotifierFlags mail(const testing::SmtpTestServer& server) {
    NotifierFlags f = quick();
    f.mailServer = "127.0.0.1:" + std::to_string(server.port());
    f.mailFrom = "tepui@example.org";
    return f;
  }
  std::unique_ptr<Notifier> make(const NotifierFlags& f) {
    auto made = makeNotifier(io, f);
    EXPECT_TRUE(made.ok()) << made.error().message;
    return made.ok() ? std::move(*made) : nullptr;
  }
  // Waits until every notification ended (sent, failed or dropped).
  bool settle(Notifier& notifier) {
    return runUntil([&] { return notifier.idle(); });
  }

  // One failure notification through a Notifier made from `f`, to its end;
  // the counters of `channel` then.
  ChannelCounters sendOne(const NotifierFlags& f, const std::string& channel) {
    auto notifier = make(f);
    if (!notifier) return {};
    notifier->notify(failure("a"));
    EXPECT_TRUE(settle(*notifier));
    return notifier->counters().at(channel);
  }
  // The same with two attempts of 200 ms each, for servers that never answer.
  ChannelCounters timeOutTwice(NotifierFlags f, const std::string& channel) {
    f.attempts = 2;
    f.timeout = Seconds(0.2);
    return sendOne(f, channel);
  }

  boost::asio::io_context io;
  http::Server http{io};
};

using JobsWebhookDelivery = JobsNotifierLoopback;
using JobsMailDelivery = JobsNotifierLoopback;
using JobsNotifierQueue = JobsNotifierLoopback;

// --- Webhook -----------------------------------------------------------------

TEST_F(JobsWebhookDelivery, RetriesOn503ThenDeliversTheJsonBody) {
  std::vector<http::Request> seen;
  http.route("/hook", [&](http::Request& req, http::Responder r) {
    seen.push_back(req);
    r.respond(seen.size() <= 2 ? http::Response::text(503, "busy") : http::Response::empty(204));
  });
  NotifierFlags f = webhook();
  f.httpCredentials = "user:pass";
  auto notifier = make(f);
  notifier->notify(failure("nightly-etl"));
  ASSERT_TRUE(settle(*notifier));

  ASSERT_EQ(seen.size(), 3u);
  for (const auto& req : seen) {
    EXPECT_EQ(req.method, "POST");
    EXPECT_EQ(req.header("Content-Type"), "application/json");
    EXPECT_EQ(req.header("Authorization"), "Basic dXNlcjpwYXNz");
  }
  auto body = boost::json::parse(seen.back().body).as_object();
  EXPECT_EQ(body.at("kind"), "failed");
  EXPECT_EQ(body.at("job"), "nightly-etl");
  EXPECT_EQ(body.at("owner"), "ops@example.org");
  EXPECT_EQ(body.at("to"), "ops@example.org");
  EXPECT_EQ(body.at("ownerName"), "Ops");
  EXPECT_EQ(body.at("taskId"), "ct:1:0:x:");
  EXPECT_EQ(body.at("cluster"), "prod");
  EXPECT_EQ(body.at("subject"), "[prod] job nightly-etl failed");
  EXPECT_EQ(body.at("message"), "exit status 3\n.hidden line\nlast");

  auto c = notifier->counters().at("http");
  EXPECT_EQ(c.sent, 1u);
  EXPECT_EQ(c.retried, 2u);
  EXPECT_EQ(c.failed, 0u);
  EXPECT_EQ(c.dropped, 0u);
}

TEST_F(JobsWebhookDelivery, A400IsNotRetried) {
  int calls = 0;
  http.route("/hook", [&](http::Request&, http::Responder r) {
    ++calls;
    r.respond(http::Response::text(400, "bad"));
  });
  auto c = sendOne(webhook(), "http");
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(c.failed, 1u);
  EXPECT_EQ(c.retried, 0u);
  EXPECT_EQ(c.sent, 0u);
}

TEST_F(JobsWebhookDelivery, ARefusedConnectionIsRetriedUntilTheAttemptsRunOut) {
  NotifierFlags f = webhook();
  http.stop();  // nothing listens on the port any more
  auto c = sendOne(f, "http");
  EXPECT_EQ(c.failed, 1u);
  EXPECT_EQ(c.retried, 3u);  // 4 attempts
  EXPECT_EQ(c.sent, 0u);
}

TEST_F(JobsWebhookDelivery, AServerThatNeverAnswersTimesOutAndCountsAFailure) {
  std::vector<http::Responder> held;  // answered never (until the test ends)
  http.route("/hook", [&](http::Request&, http::Responder r) { held.push_back(std::move(r)); });
  auto c = timeOutTwice(webhook(), "http");
  EXPECT_EQ(held.size(), 2u);
  EXPECT_EQ(c.failed, 1u);
  EXPECT_EQ(c.retried, 1u);
}

TEST_F(JobsWebhookDelivery, SuccessIsSentOnlyWhenAsked) {
  std::vector<std::string> kinds;
  http.route("/hook", [&](http::Request& req, http::Responder r) {
    kinds.emplace_back(boost::json::parse(req.body).at("kind").as_string());
    r.respond(http::Response::empty(200));
  });
  Notification success = failure("a");
  success.kind = NotificationKind::kSucceeded;

  auto quiet = make(webhook());
  quiet->notify(success);
  EXPECT_TRUE(quiet->idle());  // never queued

  NotifierFlags f = webhook();
  f.notifyOnSuccess = true;
  auto loud = make(f);
  loud->notify(success);
  ASSERT_TRUE(settle(*loud));
  EXPECT_EQ(kinds, (std::vector<std::string>{"succeeded"}));
}

// --- Queue -------------------------------------------------------------------

TEST_F(JobsNotifierQueue, AFullQueueDropsTheOldestWaitingNotification) {
  std::deque<http::Responder> held;
  std::vector<std::string> jobs;
  http.route("/hook", [&](http::Request& req, http::Responder r) {
    jobs.emplace_back(boost::json::parse(req.body).at("job").as_string());
    held.push_back(std::move(r));
  });
  NotifierFlags f = webhook();
  f.queueSize = 2;
  auto notifier = make(f);
  notifier->notify(failure("j1"));
  ASSERT_TRUE(runUntil([&] { return held.size() == 1; }));                    // j1 in flight
  for (const char* job : {"j2", "j3", "j4"}) notifier->notify(failure(job));  // j2 dropped
  EXPECT_EQ(notifier->counters().at("http").dropped, 1u);
  EXPECT_EQ(notifier->counters().at("http").queued, 3u);

  // Answer each request as it comes.
  ASSERT_TRUE(runUntil([&] {
    while (!held.empty()) {
      held.front().respond(http::Response::empty(200));
      held.pop_front();
    }
    return notifier->idle();
  }));
  EXPECT_EQ(jobs, (std::vector<std::string>{"j1", "j3", "j4"}));
  auto c = notifier->counters().at("http");
  EXPECT_EQ(c.sent, 3u);
  EXPECT_EQ(c.dropped, 1u);

  metrics::Snapshot snapshot;
  notifier->addMetrics(snapshot);
  EXPECT_EQ(snapshot.values().at("jobs/notifications/http/sent"), 3);
  EXPECT_EQ(snapshot.values().at("jobs/notifications/http/dropped"), 1);
  EXPECT_EQ(snapshot.values().at("jobs/notifications/http/queued"), 0);
}

TEST_F(JobsNotifierQueue, StopAbandonsWorkInFlight) {
  std::vector<http::Responder> held;
  http.route("/hook", [&](http::Request&, http::Responder r) { held.push_back(std::move(r)); });
  auto notifier = make(webhook());
  notifier->notify(failure("a"));
  notifier->notify(failure("b"));
  ASSERT_TRUE(runUntil([&] { return held.size() == 1; }));
  notifier->stop();
  EXPECT_TRUE(notifier->idle());
  held.front().respond(http::Response::empty(200));
  notifier->notify(failure("c"));
  EXPECT_FALSE(runUntil([&] { return held.size() > 1; }, 200ms));
  EXPECT_EQ(notifier->counters().at("http").sent, 0u);
}

// --- Mail --------------------------------------------------------------------

TEST_F(JobsMailDelivery, TheConversationAuthRecipientsSubjectAndDotStuffing) {
  testing::SmtpTestServer smtp(io);
  NotifierFlags f = mail(smtp);
  f.mailUser = "tepui";
  f.mailPassword = "s3cret";
  auto notifier = make(f);
  notifier->notify(failure("nightly-etl", "a@example.org, b@example.org"));
  ASSERT_TRUE(settle(*notifier));

  ASSERT_EQ(smtp.sessions().size(), 1u);
  const auto& s = smtp.sessions()[0];
  ASSERT_EQ(s.commands.size(), 7u);
  EXPECT_EQ(s.commands[0], "EHLO localhost");
  EXPECT_TRUE(s.commands[1].starts_with("AUTH PLAIN "));
  EXPECT_EQ(s.commands[2], "MAIL FROM:<tepui@example.org>");
  EXPECT_EQ(s.commands[3], "RCPT TO:<a@example.org>");
  EXPECT_EQ(s.commands[4], "RCPT TO:<b@example.org>");
  EXPECT_EQ(s.commands[5], "DATA");
  EXPECT_EQ(s.commands[6], "QUIT");
  EXPECT_EQ(s.authUser, "tepui");
  EXPECT_EQ(s.authPassword, "s3cret");
  EXPECT_EQ(s.recipients, (std::vector<std::string>{"<a@example.org>", "<b@example.org>"}));
  EXPECT_TRUE(s.delivered);
  EXPECT_NE(s.message.find("\r\nSubject: [prod] job nightly-etl failed\r\n"), std::string::npos) << s.message;
  EXPECT_NE(s.message.find("To: a@example.org, b@example.org\r\n"), std::string::npos);
  // The line starting with '.' came through whole (stuffed, then unstuffed).
  EXPECT_NE(s.message.find("\r\nexit status 3\r\n.hidden line\r\nlast\r\n"), std::string::npos) << s.message;
  EXPECT_EQ(notifier->counters().at("mail").sent, 1u);
}

TEST_F(JobsMailDelivery, AuthLoginWhenTheServerOffersOnlyLogin) {
  testing::SmtpTestServer smtp(io);
  smtp.authMechanisms = "LOGIN";
  NotifierFlags f = mail(smtp);
  f.mailUser = "tepui";
  f.mailPassword = "s3cret";
  EXPECT_EQ(sendOne(f, "mail").sent, 1u);
  ASSERT_EQ(smtp.sessions().size(), 1u);
  EXPECT_EQ(smtp.sessions()[0].commands[1], "AUTH LOGIN");
  EXPECT_EQ(smtp.sessions()[0].authUser, "tepui");
  EXPECT_EQ(smtp.sessions()[0].authPassword, "s3cret");
  EXPECT_EQ(smtp.delivered(), 1u);
}

TEST_F(JobsMailDelivery, HeloWhenTheServerRefusesEhlo) {
  testing::SmtpTestServer smtp(io);
  smtp.knowsEhlo = false;
  EXPECT_EQ(sendOne(mail(smtp), "mail").sent, 1u);
  ASSERT_EQ(smtp.delivered(), 1u);
  EXPECT_EQ(smtp.sessions()[0].commands[0], "EHLO localhost");
  EXPECT_EQ(smtp.sessions()[0].commands[1], "HELO localhost");
  EXPECT_EQ(smtp.sessions()[0].commands[2], "MAIL FROM:<tepui@example.org>");
}

TEST_F(JobsMailDelivery, NoAuthOfferedIsAPermanentFailure) {
  testing::SmtpTestServer smtp(io);
  smtp.authMechanisms = "";
  NotifierFlags f = mail(smtp);
  f.mailUser = "tepui";
  f.mailPassword = "s3cret";
  auto c = sendOne(f, "mail");
  EXPECT_EQ(smtp.connections(), 1u);
  EXPECT_EQ(smtp.delivered(), 0u);
  EXPECT_EQ(c.failed, 1u);
  EXPECT_EQ(c.retried, 0u);
}

TEST_F(JobsMailDelivery, ATransient451IsRetried) {
  testing::SmtpTestServer smtp(io);
  smtp.transientMailFromFailures = 2;
  auto c = sendOne(mail(smtp), "mail");
  EXPECT_EQ(smtp.connections(), 3u);
  EXPECT_EQ(smtp.delivered(), 1u);
  EXPECT_EQ(c.sent, 1u);
  EXPECT_EQ(c.retried, 2u);
}

TEST_F(JobsMailDelivery, RefusedRecipientsAreSkippedAndAllRefusedIsPermanent) {
  testing::SmtpTestServer smtp(io);
  smtp.refusedRecipients = {"<gone@example.org>"};
  auto notifier = make(mail(smtp));
  notifier->notify(failure("a", "gone@example.org,here@example.org"));
  ASSERT_TRUE(settle(*notifier));
  ASSERT_EQ(smtp.delivered(), 1u);
  EXPECT_EQ(smtp.sessions()[0].recipients, (std::vector<std::string>{"<here@example.org>"}));

  notifier->notify(failure("b", "gone@example.org"));
  ASSERT_TRUE(settle(*notifier));
  EXPECT_EQ(smtp.connections(), 2u);  // not retried
  auto c = notifier->counters().at("mail");
  EXPECT_EQ(c.sent, 1u);
  EXPECT_EQ(c.failed, 1u);
  EXPECT_EQ(c.retried, 0u);
}

TEST_F(JobsMailDelivery, AServerThatNeverGreetsTimesOutAndCountsAFailure) {
  testing::SmtpTestServer smtp(io);
  smtp.silent = true;
  auto c = timeOutTwice(mail(smtp), "mail");
  EXPECT_EQ(smtp.connections(), 2u);
  EXPECT_EQ(c.failed, 1u);
  EXPECT_EQ(c.retried, 1u);
}

TEST_F(JobsMailDelivery, StopAbandonsASessionInFlight) {
  testing::SmtpTestServer smtp(io);
  smtp.silent = true;
  NotifierFlags f = mail(smtp);
  f.timeout = Seconds(0.1);
  auto notifier = make(f);
  notifier->notify(failure("a"));
  ASSERT_TRUE(runUntil([&] { return smtp.connections() == 1; }));
  notifier->stop();
  // The step's deadline passes with nobody left to tell: no retry, no count.
  EXPECT_FALSE(runUntil([&] { return smtp.connections() > 1; }, 300ms));
  auto c = notifier->counters().at("mail");
  EXPECT_EQ(c.failed + c.retried + c.sent, 0u);
}

TEST_F(JobsMailDelivery, AJobWithoutOwnerGetsNoMailButStillTheWebhook) {
  testing::SmtpTestServer smtp(io);
  int hooks = 0;
  http.route("/hook", [&](http::Request&, http::Responder r) {
    ++hooks;
    r.respond(http::Response::empty(200));
  });
  NotifierFlags f = mail(smtp);
  f.httpUrl = webhook().httpUrl;
  auto notifier = make(f);
  notifier->notify(failure("a", ""));
  ASSERT_TRUE(settle(*notifier));
  EXPECT_EQ(hooks, 1);
  EXPECT_EQ(smtp.connections(), 0u);
  EXPECT_EQ(notifier->counters().at("mail").sent + notifier->counters().at("mail").failed, 0u);
}

}  // namespace
}  // namespace tepui::jobs

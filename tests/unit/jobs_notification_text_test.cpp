// The pure parts of job notifications: subjects, bodies, the webhook's
// JSON, owner addresses, dot-stuffing, the composed mail, the backoff, and
// the flags' validation.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/json/serialize.hpp>

#include "jobs/notifier.hpp"
#include "jobs/notifier_flags.hpp"
#include "jobs/smtp_message.hpp"
#include "jobs/webhook.hpp"

namespace tepui::jobs {
namespace {

using namespace std::chrono_literals;

Notification sample() {
  Notification n;
  n.kind = NotificationKind::kFailed;
  n.job = "nightly-etl";
  n.owner = "ops@example.org";
  n.ownerName = "Ops";
  n.message = "exit status 3";
  n.taskId = "ct:1:0:nightly-etl:";
  n.time = std::chrono::system_clock::time_point(std::chrono::milliseconds(1394297837507));
  n.cluster = "prod";
  return n;
}

TEST(JobsNotification, SubjectIsPrefixedWithTheClusterName) {
  Notification n = sample();
  EXPECT_EQ(notificationSubject(n), "[prod] job nightly-etl failed");
  n.cluster = "";
  n.kind = NotificationKind::kExhausted;
  EXPECT_EQ(notificationSubject(n), "job nightly-etl used its last repetition and was disabled");
  n.cluster = "a\r\nBcc: x@y";
  EXPECT_EQ(notificationSubject(n).find_first_of("\r\n"), std::string::npos);
}

TEST(JobsNotification, KindNamesRoundTrip) {
  for (auto kind : {NotificationKind::kFailed, NotificationKind::kExhausted, NotificationKind::kDisabled,
                    NotificationKind::kSucceeded, NotificationKind::kDeleted}) {
    EXPECT_EQ(parseNotificationKind(notificationKindName(kind)), kind);
  }
  EXPECT_EQ(parseNotificationKind("exploded"), std::nullopt);
}

TEST(JobsNotification, JsonHasEveryField) {
  auto body = notificationJson(sample());
  EXPECT_EQ(boost::json::serialize(body),
            R"({"kind":"failed","job":"nightly-etl","owner":"ops@example.org","to":"ops@example.org",)"
            R"("ownerName":"Ops",)"
            R"("message":"exit status 3","taskId":"ct:1:0:nightly-etl:","time":"2014-03-08T16:57:17.507Z",)"
            R"("cluster":"prod","subject":"[prod] job nightly-etl failed"})");
}

TEST(JobsNotification, TextNamesTheJobTaskAndMessage) {
  std::string text = notificationText(sample());
  EXPECT_EQ(text,
            "Job nightly-etl failed.\n\njob: nightly-etl\nowner: Ops <ops@example.org>\n"
            "task: ct:1:0:nightly-etl:\ntime: 2014-03-08T16:57:17.507Z\ncluster: prod\n\nexit status 3\n");
}

TEST(JobsSmtpMessage, OwnerAddressesAreSplitTrimmedAndChecked) {
  auto got = parseOwnerAddresses(" a@x.org,b@y.org , ,bad, c d@x.org,Ops <e@x.org>,f@g@h,@x.org,z@,<x<y@z>");
  EXPECT_EQ(got.valid, (std::vector<std::string>{"a@x.org", "b@y.org", "e@x.org"}));
  EXPECT_EQ(got.invalid, (std::vector<std::string>{"bad", "c d@x.org", "f@g@h", "@x.org", "z@", "x<y@z"}));
  EXPECT_TRUE(parseOwnerAddresses("").valid.empty());
}

TEST(JobsSmtpMessage, DotStuffingAndLineEnds) {
  EXPECT_EQ(dotStuff("a\n.b\r\n..c\rd"), "a\r\n..b\r\n...c\r\nd\r\n");
  EXPECT_EQ(dotStuff(".\n"), "..\r\n");
  EXPECT_EQ(dotStuff("end\r\n"), "end\r\n");
  EXPECT_EQ(dotStuff(""), "\r\n");
}

TEST(JobsSmtpMessage, LongLinesAreBrokenWithinSmtpsLimit) {
  std::string line(997, 'x');
  EXPECT_EQ(dotStuff(line + "\n"), line + "\r\n");         // exactly the limit: no extra break
  EXPECT_EQ(dotStuff(line + ".y"), line + "\r\n..y\r\n");  // the continuation is stuffed too
  std::string stuffed = dotStuff(std::string(3000, 'z'));
  size_t start = 0;
  for (size_t end = stuffed.find("\r\n"); end != std::string::npos; end = stuffed.find("\r\n", start)) {
    EXPECT_LE(end - start, 998u);
    start = end + 2;
  }
  EXPECT_EQ(start, stuffed.size());
}

TEST(JobsSmtpMessage, ComposedMailHasHeadersAndStuffedBody) {
  MailContent mail{"tepui@example.org",
                   {"a@x.org", "b@y.org"},
                   "[prod] job x failed",
                   "first\n.second\n",
                   std::chrono::system_clock::time_point(std::chrono::seconds(1394297837))};
  EXPECT_EQ(composeMail(mail),
            "From: tepui@example.org\r\nTo: a@x.org, b@y.org\r\nSubject: [prod] job x failed\r\n"
            "Date: Sat, 08 Mar 2014 16:57:17 +0000\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
            "first\r\n..second\r\n");
  EXPECT_EQ(encodeHeaderValue("[m\xc3\xbcnchen] x"), "=?utf-8?B?W23DvG5jaGVuXSB4?=");
}

TEST(JobsNotifier, BackoffDoublesUpToTheBound) {
  RetryBackoff b{10, 100ms, 1000ms};
  EXPECT_EQ(b.delayBefore(2), 100ms);
  EXPECT_EQ(b.delayBefore(3), 200ms);
  EXPECT_EQ(b.delayBefore(4), 400ms);
  EXPECT_EQ(b.delayBefore(5), 800ms);
  EXPECT_EQ(b.delayBefore(6), 1000ms);
  EXPECT_EQ(b.delayBefore(60), 1000ms);
}

TEST(JobsWebhook, UrlForms) {
  auto full = parseWebhookUrl("http://hooks.example.org:8080/notify?team=a");
  ASSERT_TRUE(full.ok()) << full.error().message;
  EXPECT_EQ(full->endpoint.str(), "hooks.example.org:8080");
  EXPECT_EQ(full->target, "/notify?team=a");
  auto bare = parseWebhookUrl("http://hooks.example.org");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->endpoint.str(), "hooks.example.org:80");
  EXPECT_EQ(bare->target, "/");
  EXPECT_NE(parseWebhookUrl("https://x.org/").error().message.find("only http://"), std::string::npos);
  EXPECT_FALSE(parseWebhookUrl("http://x.org:99999/").ok());
  EXPECT_FALSE(parseWebhookUrl("http:///path").ok());
  EXPECT_FALSE(parseWebhookUrl("http://x.org/a b").ok());
}

TEST(JobsNotifierFlags, BadValuesNameTheFlag) {
  boost::asio::io_context io;
  auto error = [&io](NotifierFlags f) {
    auto made = makeNotifier(io, f);
    return made.ok() ? std::string("ok") : made.error().message;
  };
  NotifierFlags f;
  EXPECT_EQ(error(f), "ok");
  f.httpUrl = "ftp://x.org/";
  EXPECT_EQ(error(f).rfind("--http_notification_url:", 0), 0u) << error(f);
  f.httpUrl = "http://x.org/";
  f.httpCredentials = "nocolon";
  EXPECT_EQ(error(f).rfind("--http_notification_credentials:", 0), 0u);
  f = {};
  f.mailServer = "smtp.example.org";
  EXPECT_EQ(error(f).rfind("--mail_from:", 0), 0u);
  f.mailFrom = "tepui@example.org";
  EXPECT_EQ(error(f), "ok");
  f.mailUser = "u";
  EXPECT_EQ(error(f).rfind("--mail_user and --mail_password", 0), 0u);
  f.mailPassword = "p";
  f.mailServer = "smtp.example.org:0";
  EXPECT_EQ(error(f).rfind("--mail_server:", 0), 0u);
  f = {};
  f.mailFrom = "tepui@example.org";
  EXPECT_EQ(error(f).rfind("--mail_from and --mail_user: need --mail_server", 0), 0u);
  f = {};
  f.attempts = 0;
  EXPECT_EQ(error(f).rfind("--notification_attempts:", 0), 0u);
  f = {};
  f.maxBackoff = Seconds(0.5);
  EXPECT_EQ(error(f).rfind("--notification_max_backoff:", 0), 0u);
}

TEST(JobsNotifierFlags, FlagsParse) {
  NotifierFlags values;
  FlagSet flags("test");
  addNotifierFlags(flags, &values);
  const char* argv[] = {"x", "--http_notification_url=http://h:1/n", "--notify_on_success",
                        "--notification_backoff=250ms", "--notification_attempts=3"};
  auto parsed = flags.parse(5, argv);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(values.httpUrl, "http://h:1/n");
  EXPECT_TRUE(values.notifyOnSuccess);
  EXPECT_EQ(values.attempts, 3);
  EXPECT_DOUBLE_EQ(values.backoff.count(), 0.25);
}

}  // namespace
}  // namespace tepui::jobs

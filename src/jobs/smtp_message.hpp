// The pure parts of sending mail over SMTP (RFC 5321/5322): reading a
// job's `owner` into recipient addresses, and writing the message that
// goes after DATA. No I/O (smtp_session.hpp speaks the protocol).
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace tepui::jobs {

// `owner` is comma-separated addresses ("a@x.org, b@y.org"); blanks around
// each are trimmed and empty entries skipped; of "Name <a@x.org>" the part
// in angle brackets is taken. An address is accepted when
// it is local@domain with both parts non-empty, one '@', and no spaces,
// control characters, '<', '>', ',' or '"' (so it can be written between
// angle brackets in RCPT TO and in a header without quoting).
struct OwnerAddresses {
  std::vector<std::string> valid;
  std::vector<std::string> invalid;  // as written, for the log
};
OwnerAddresses parseOwnerAddresses(std::string_view owner);
bool isPlainAddress(std::string_view address);

// Text for the DATA phase: every line ending becomes CRLF (a lone "\n" or
// "\r" too), a line longer than 997 characters is broken into lines of
// at most that many (SMTP's limit is 998 plus CRLF; a stuffed dot may add
// one), a line starting with '.' gets a second '.', and the result ends
// with CRLF. The terminating ".\r\n" is not included.
std::string dotStuff(std::string_view text);

// "Wed, 02 Dec 2026 18:44:51 +0000".
std::string rfc5322Date(std::chrono::system_clock::time_point when);

// A header value as-is when it is printable ASCII, else one RFC 2047
// encoded word ("=?utf-8?B?...?="). Line breaks are the caller's to refuse.
std::string encodeHeaderValue(std::string_view value);

struct MailContent {
  std::string from;
  std::vector<std::string> to;
  std::string subject;  // one line
  std::string body;     // plain text, "\n" line ends
  std::chrono::system_clock::time_point date;
};

// The whole message, headers (From, To, Subject, Date, MIME-Version,
// Content-Type text/plain utf-8, Content-Transfer-Encoding 8bit) and body,
// already dot-stuffed with CRLF line ends: ready to send after DATA.
std::string composeMail(const MailContent& mail);

}  // namespace tepui::jobs

#include "jobs/smtp_message.hpp"

#include <array>
#include <ctime>

#include "common/strings.hpp"
#include "jobs/base64.hpp"

namespace tepui::jobs {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool printableAscii(std::string_view s) {
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u > 0x7e) return false;
  }
  return true;
}

// RFC 5321 allows 1000 octets per line with CRLF; a stuffed dot may add one.
constexpr size_t kMaxLineLength = 997;

}  // namespace

bool isPlainAddress(std::string_view address) {
  size_t at = address.find('@');
  if (at == 0 || at == std::string_view::npos || at + 1 == address.size()) return false;
  if (address.find('@', at + 1) != std::string_view::npos) return false;
  if (!printableAscii(address)) return false;
  return address.find_first_of(" <>,\"") == std::string_view::npos;
}

OwnerAddresses parseOwnerAddresses(std::string_view owner) {
  OwnerAddresses out;
  for (const std::string& piece : splitNonEmpty(owner, ',')) {
    std::string_view address = trim(piece);
    if (address.empty()) continue;
    // "Name <address>": the part between the brackets.
    if (size_t open = address.find('<'); open != std::string_view::npos && address.back() == '>') {
      address = address.substr(open + 1, address.size() - open - 2);
    }
    (isPlainAddress(address) ? out.valid : out.invalid).emplace_back(address);
  }
  return out;
}

std::string dotStuff(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 16 + 2);
  bool lineStart = true;
  bool broken = false;    // the last CRLF was put in for length: a line end right after it adds none
  size_t lineLength = 0;  // characters of the text on this line (a stuffed dot not counted)
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      if (!broken) out += "\r\n";
      lineStart = true;
      broken = false;
      lineLength = 0;
      continue;
    }
    if (lineStart && c == '.') out += '.';
    out += c;
    lineStart = false;
    broken = false;
    if (++lineLength == kMaxLineLength) {
      out += "\r\n";
      lineStart = true;
      broken = true;
      lineLength = 0;
    }
  }
  if (!lineStart || out.empty()) out += "\r\n";
  return out;
}

std::string rfc5322Date(std::chrono::system_clock::time_point when) {
  std::time_t t = std::chrono::system_clock::to_time_t(when);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::array<char, 64> buffer{};
  // %a and %b follow the C locale, which the daemon never changes.
  size_t n = std::strftime(buffer.data(), buffer.size(), "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return std::string(buffer.data(), n);
}

std::string encodeHeaderValue(std::string_view value) {
  if (printableAscii(value)) return std::string(value);
  return "=?utf-8?B?" + base64(value) + "?=";
}

std::string composeMail(const MailContent& mail) {
  std::string to;
  for (const auto& address : mail.to) to += (to.empty() ? "" : ", ") + address;
  std::string text = "From: " + mail.from + "\n";
  text += "To: " + to + "\n";
  text += "Subject: " + encodeHeaderValue(mail.subject) + "\n";
  text += "Date: " + rfc5322Date(mail.date) + "\n";
  text += "MIME-Version: 1.0\n";
  text += "Content-Type: text/plain; charset=utf-8\n";
  text += "Content-Transfer-Encoding: 8bit\n";
  text += "\n";
  text += mail.body;
  return dotStuff(text);
}

}  // namespace tepui::jobs

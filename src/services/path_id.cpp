#include "services/path_id.hpp"

namespace tepui::services {
namespace {

bool isLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// One dot-separated part: [a-z0-9] or [a-z0-9][a-z0-9-]*[a-z0-9].
bool validPart(std::string_view part) {
  if (part.empty() || !isLowerAlnum(part.front()) || !isLowerAlnum(part.back())) return false;
  for (char c : part) {
    if (!isLowerAlnum(c) && c != '-') return false;
  }
  return true;
}

}  // namespace

std::string PathId::segmentError(std::string_view segment) {
  size_t start = 0;
  while (true) {
    size_t dot = segment.find('.', start);
    std::string_view part = segment.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (!validPart(part)) {
      return "path segment '" + std::string(segment) +
             "' is invalid: use lowercase letters, digits and '-', starting and ending with a letter or digit, "
             "optionally in dot-separated parts";
    }
    if (dot == std::string_view::npos) return "";
    start = dot + 1;
  }
}

Result<PathId> PathId::parse(std::string_view text, const PathId& base) {
  PathId out;
  if (text.empty() || text.front() != '/') out = base;
  size_t start = 0;
  while (start <= text.size()) {
    size_t slash = text.find('/', start);
    if (slash == std::string_view::npos) slash = text.size();
    std::string_view segment = text.substr(start, slash - start);
    start = slash + 1;
    if (segment.empty() || segment == ".") continue;
    if (segment == "..") {
      if (out.isRoot()) return Error("id '" + std::string(text) + "' climbs above the root group");
      out.segments_.pop_back();
      continue;
    }
    if (std::string reason = segmentError(segment); !reason.empty()) return Error(reason);
    out.segments_.emplace_back(segment);
  }
  return out;
}

PathId PathId::parent() const {
  PathId out = *this;
  if (!out.segments_.empty()) out.segments_.pop_back();
  return out;
}

PathId PathId::child(const std::string& segment) const {
  PathId out = *this;
  out.segments_.push_back(segment);
  return out;
}

bool PathId::isAncestorOf(const PathId& other) const {
  if (segments_.size() >= other.segments_.size()) return false;
  for (size_t i = 0; i < segments_.size(); ++i) {
    if (segments_[i] != other.segments_[i]) return false;
  }
  return true;
}

std::string PathId::name() const { return segments_.empty() ? "" : segments_.back(); }

std::string PathId::toString() const {
  if (segments_.empty()) return "/";
  std::string out;
  for (const std::string& s : segments_) out += "/" + s;
  return out;
}

std::string PathId::taskIdPrefix() const {
  std::string out;
  for (const std::string& s : segments_) out += (out.empty() ? "" : "_") + s;
  return out;
}

}  // namespace tepui::services

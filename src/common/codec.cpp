// Media-type negotiation and message encoding (see codec.hpp).
#include "common/codec.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

#include "common/json.hpp"

namespace tepui::codec {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

struct AcceptEntry {
  std::string type;
  double q = 1;
};

std::vector<AcceptEntry> parseAccept(std::string_view header) {
  std::vector<AcceptEntry> out;
  size_t start = 0;
  while (start <= header.size()) {
    size_t comma = header.find(',', start);
    std::string_view item = header.substr(start, comma == std::string_view::npos ? header.npos : comma - start);
    AcceptEntry e;
    size_t semi = item.find(';');
    e.type = lower(trim(item.substr(0, semi)));
    while (semi != std::string_view::npos) {
      size_t next = item.find(';', semi + 1);
      auto param = trim(item.substr(semi + 1, next == item.npos ? item.npos : next - semi - 1));
      if (param.size() > 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
        e.q = std::atof(std::string(param.substr(2)).c_str());
      }
      semi = next;
    }
    if (!e.type.empty()) out.push_back(e);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace

std::string_view mediaType(ContentType type) { return type == ContentType::JSON ? kJson : kProtobuf; }

std::optional<ContentType> fromContentType(std::string_view header) {
  std::string type = lower(trim(header.substr(0, header.find(';'))));
  if (type == kJson) return ContentType::JSON;
  if (type == kProtobuf) return ContentType::PROTOBUF;
  return std::nullopt;
}

std::optional<ContentType> fromAccept(std::optional<std::string_view> header) {
  if (!header || trim(*header).empty()) return ContentType::JSON;
  auto entries = parseAccept(*header);
  auto acceptable = [&](std::string_view type) {
    // The most specific matching entry decides (exact type, then type/*, then */*).
    std::string family = std::string(type.substr(0, type.find('/'))) + "/*";
    for (const char* pass : {"exact", "family", "any"}) {
      for (auto& e : entries) {
        bool match = (pass[0] == 'e' && e.type == type) || (pass[0] == 'f' && e.type == family) ||
                     (pass[0] == 'a' && e.type == "*/*");
        if (match) return e.q > 0;
      }
    }
    return false;
  };
  if (acceptable(kJson)) return ContentType::JSON;
  if (acceptable(kProtobuf)) return ContentType::PROTOBUF;
  return std::nullopt;
}

std::string encode(const google::protobuf::Message& message, ContentType type) {
  if (type == ContentType::JSON) return json::toJson(message);
  return message.SerializePartialAsString();
}

Status decode(std::string_view body, ContentType type, google::protobuf::Message* message) {
  if (type == ContentType::JSON) {
    if (auto s = json::fromJson(body, message); !s) return s.error().context("failed to parse JSON");
    return okStatus();
  }
  if (!message->ParsePartialFromArray(body.data(), static_cast<int>(body.size()))) {
    return Error("failed to parse protobuf: malformed or truncated " + message->GetTypeName());
  }
  if (!message->IsInitialized()) {
    return Error("failed to parse protobuf: missing required fields: " + message->InitializationErrorString());
  }
  return okStatus();
}

}  // namespace tepui::codec

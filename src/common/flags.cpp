// Flag parsing (see flags.hpp).
#include "common/flags.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <sstream>

namespace tepui {

namespace {

template <typename T>
bool parseNumber(const std::string& s, T& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

std::string envName(const std::string& flag) {
  std::string s = "TEPUI_";
  for (char c : flag) s += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

void FlagSet::add(const std::string& name, Target target, const std::string& help) {
  flags_.push_back({name, target, help, show(target)});
}

std::string FlagSet::show(const Target& target) {
  return std::visit(
      [](auto* p) -> std::string {
        using T = std::remove_pointer_t<decltype(p)>;
        if constexpr (std::is_same_v<T, std::string>) return *p;
        else if constexpr (std::is_same_v<T, bool>) return *p ? "true" : "false";
        else if constexpr (std::is_same_v<T, double>) {
          std::ostringstream o;
          o << *p;
          return o.str();
        } else if constexpr (std::is_same_v<T, Seconds>) return formatDuration(*p);
        else if constexpr (std::is_same_v<T, std::optional<std::string>>) return p->value_or("");
        else if constexpr (std::is_same_v<T, std::optional<Seconds>>) return *p ? formatDuration(**p) : "";
        else return std::to_string(*p);
      },
      target);
}

Status FlagSet::set(Flag& flag, const std::string& value, bool fromEnv) {
  auto bad = [&](const std::string& why) {
    return Error("invalid value '" + value + "' for " + (fromEnv ? envName(flag.name) : "--" + flag.name) +
                 ": " + why);
  };
  return std::visit(
      [&](auto* p) -> Status {
        using T = std::remove_pointer_t<decltype(p)>;
        if constexpr (std::is_same_v<T, std::string>) {
          *p = value;
        } else if constexpr (std::is_same_v<T, std::optional<std::string>>) {
          *p = value;
        } else if constexpr (std::is_same_v<T, bool>) {
          if (value == "true" || value == "1") *p = true;
          else if (value == "false" || value == "0") *p = false;
          else return bad("expected true or false");
        } else if constexpr (std::is_same_v<T, double>) {
          double d;
          if (!parseNumber(value, d) || !std::isfinite(d)) return bad("expected a number");
          *p = d;
        } else if constexpr (std::is_same_v<T, Seconds> || std::is_same_v<T, std::optional<Seconds>>) {
          auto d = parseDuration(value);
          if (!d) return bad(d.error().message);
          *p = *d;
        } else if constexpr (std::is_same_v<T, uint16_t>) {
          unsigned long long v;
          if (!parseNumber(value, v) || v > 65535) return bad("expected a port number (0-65535)");
          *p = static_cast<uint16_t>(v);
        } else {
          int v;
          if (!parseNumber(value, v)) return bad("expected an integer");
          *p = v;
        }
        return okStatus();
      },
      flag.target);
}

Result<std::vector<std::string>> FlagSet::parse(int argc, const char* const* argv, int first) {
  for (auto& flag : flags_) {
    if (const char* env = std::getenv(envName(flag.name).c_str())) {
      if (auto s = set(flag, env, true); !s) return s.error();
    }
  }
  std::vector<std::string> positional;
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--") {
      for (++i; i < argc; ++i) positional.emplace_back(argv[i]);
      break;
    }
    if (arg == "--help" || arg == "-h") {
      help_ = true;
      continue;
    }
    if (arg.rfind("--", 0) != 0 || arg.size() == 2) {
      positional.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2), value;
    bool hasValue = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      hasValue = true;
    }
    bool negated = false;
    auto it = std::find_if(flags_.begin(), flags_.end(), [&](const Flag& f) { return f.name == name; });
    if (it == flags_.end() && name.rfind("no-", 0) == 0) {
      it = std::find_if(flags_.begin(), flags_.end(), [&](const Flag& f) { return f.name == name.substr(3); });
      negated = it != flags_.end() && std::holds_alternative<bool*>(it->target);
      if (!negated) it = flags_.end();
    }
    if (it == flags_.end()) return Error("unknown flag '--" + name + "' (see --help)");
    if (negated && hasValue) return Error("flag '--" + name + "' takes no value");
    if (std::holds_alternative<bool*>(it->target) && !hasValue) {
      *std::get<bool*>(it->target) = !negated;
      continue;
    }
    if (!hasValue) {
      if (i + 1 >= argc) return Error("flag '--" + name + "' needs a value");
      value = argv[++i];
    }
    if (auto s = set(*it, value, false); !s) return s.error();
  }
  return positional;
}

std::string FlagSet::help() const {
  std::ostringstream o;
  o << usage_ << "\n\nFlags:\n";
  for (auto& f : flags_) {
    o << "  --" << f.name;
    if (!f.defaultText.empty()) o << " (default: " << f.defaultText << ")";
    o << "\n      " << f.help << "\n";
  }
  o << "\nEvery flag can also be set as TEPUI_<FLAG> in the environment.\n";
  return o.str();
}

std::vector<std::pair<std::string, std::string>> FlagSet::values() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (auto& f : flags_) out.emplace_back(f.name, show(f.target));
  return out;
}

}  // namespace tepui

#include "services/validation_errors.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

namespace tepui::services {

void ValidationErrors::add(const std::string& path, std::string error) {
  for (Violation& v : violations_) {
    if (v.path == path) {
      v.errors.push_back(std::move(error));
      return;
    }
  }
  violations_.push_back({path, {std::move(error)}});
}

void ValidationErrors::addAll(const std::string& prefix, const ValidationErrors& other) {
  for (const Violation& v : other.violations_) {
    std::string path = v.path == "/" ? prefix : prefix + v.path;
    if (path.empty()) path = "/";
    for (const std::string& e : v.errors) add(path, e);
  }
}

std::vector<std::string> ValidationErrors::at(const std::string& path) const {
  for (const Violation& v : violations_) {
    if (v.path == path) return v.errors;
  }
  return {};
}

boost::json::value ValidationErrors::toJson() const {
  boost::json::array details;
  for (const Violation& v : violations_) {
    boost::json::array errors;
    for (const std::string& e : v.errors) errors.emplace_back(e);
    details.emplace_back(boost::json::object{{"path", v.path}, {"errors", std::move(errors)}});
  }
  return boost::json::object{{"message", "Object is not valid"}, {"details", std::move(details)}};
}

std::string ValidationErrors::summary() const {
  std::string out;
  for (const Violation& v : violations_) {
    for (const std::string& e : v.errors) out += (out.empty() ? "" : "; ") + v.path + ": " + e;
  }
  return out;
}

std::string subPath(const std::string& path, const std::string& key) { return (path == "/" ? "" : path) + "/" + key; }

std::string indexPath(const std::string& path, size_t index) { return path + "(" + std::to_string(index) + ")"; }

}  // namespace tepui::services

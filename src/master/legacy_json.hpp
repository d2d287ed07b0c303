// Private to src/master: the pieces of Mesos's legacy (v0) JSON shapes that
// the read-only endpoints (/master/state, /master/frameworks, /master/slaves,
// /master/tasks, ...) build their entries from. Pure functions of the
// protobuf they are given; they read no master state.
//   flatResources   {"cpus":x,"gpus":x,"mem":x,"disk":x, other scalars,
//                   "ports":"[a-b,c-d]", "<set>":"{a,b}"}; the first four
//                   keys always present
//   fullResources   every Resource in its v1 JSON form (reservations,
//                   volumes, allocation_info and all)
//   attributes      {name: value}, ranges and sets as text
//   taskEntry       a task as /master/state lists it, with `role`
//   roleOf          the role a retired task's resources were allocated to
//   frameworkInfoFields  what a framework entry takes from its FrameworkInfo
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <string>

#include "common/resources.hpp"
#include "tepui/v1/mesos.pb.h"

namespace tepui::master::legacy {

boost::json::object flatResources(const Resources& resources);
boost::json::array fullResources(const Resources& resources);
boost::json::object attributes(const google::protobuf::RepeatedPtrField<v1::Attribute>& attributes);
boost::json::object taskEntry(const v1::Task& task, const std::string& role);
// The role of the task's allocation_info, "*" when it has none.
std::string roleOf(const v1::Task& task);
void frameworkInfoFields(boost::json::object& out, const v1::FrameworkInfo& info);

}  // namespace tepui::master::legacy

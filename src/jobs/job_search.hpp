// The filter of Chronos's `GET /jobs/search?name=&command=&any=&limit=&offset=`.
//
// Matching is a case-insensitive (ASCII lower-cased) substring test. A job
// matches when the given `name` and `command` filters both match it, or
// when `any` is given and matches its name or its command; with no filter
// at all every job matches. Chronos itself let `any` alone match every job
// (its `any` only rescued jobs that `name`/`command` had excluded); Tepui
// filters by it.
//
// The matches are taken in name order, then `offset` are skipped and at most
// `limit` kept (Chronos's defaults: 10 and 0).
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "jobs/job.hpp"

namespace tepui::jobs {

struct JobSearch {
  std::string name;
  std::string command;
  std::string any;
  size_t limit = 10;
  size_t offset = 0;
};

bool matchesSearch(const Job& job, const JobSearch& search);

// The matching jobs of `jobs` (keyed by name), in name order, paged.
std::vector<const Job*> searchJobs(const std::map<std::string, Job>& jobs, const JobSearch& search);

}  // namespace tepui::jobs

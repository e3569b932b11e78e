#include "flagmeter/core/thread_name.hpp"

#include <pthread.h>

namespace flagmeter {

void SetThreadName(const std::string& name) {
  // Linux refuses names longer than 15 characters plus the terminator.
  const std::string kept = name.substr(0, 15);
  pthread_setname_np(pthread_self(), kept.c_str());
}

}  // namespace flagmeter

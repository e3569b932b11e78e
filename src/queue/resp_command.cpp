#include "queue/resp_command.hpp"

#include <algorithm>
#include <charconv>
#include <cstddef>

namespace flagmeter {
namespace {

// Our own encoder rather than hiredis's redisFormatCommandArgv: its sds
// formatter (sdscatfmt, sdscatlen, sdsMakeRoomFor per piece) costs about
// 2,000 instructions per pushed event, the push script's EVALSHA carrying
// one argument per event. Here the size is computed first and every piece
// is a plain append into room already reserved.

std::size_t DecimalDigits(std::size_t n) {
  std::size_t digits = 1;
  while (n >= 10) {
    n /= 10;
    ++digits;
  }
  return digits;
}

// "<prefix><n>\r\n".
void AppendHeader(char prefix, std::size_t n, std::string& out) {
  char text[24];
  text[0] = prefix;
  char* end = std::to_chars(text + 1, text + sizeof(text), n).ptr;
  *end++ = '\r';
  *end++ = '\n';
  out.append(text, static_cast<std::size_t>(end - text));
}

}  // namespace

void AppendRespCommand(const std::vector<std::string_view>& args, std::string& out) {
  std::size_t size = 1 + DecimalDigits(args.size()) + 2;
  for (std::string_view arg : args) size += 1 + DecimalDigits(arg.size()) + 2 + arg.size() + 2;
  // Room for the whole command before the first byte: the exact size, or
  // twice the capacity when that is more, so that a pipeline's commands
  // appended one by one to one buffer fill it in linear time.
  const std::size_t needed = out.size() + size;
  if (needed > out.capacity()) out.reserve(std::max(needed, 2 * out.capacity()));
  AppendHeader('*', args.size(), out);
  for (std::string_view arg : args) {
    AppendHeader('$', arg.size(), out);
    out.append(arg);
    out.append("\r\n", 2);
  }
}

}  // namespace flagmeter

#include "queue/cluster_slots.hpp"

#include <array>
#include <cctype>

namespace flagmeter {
namespace {

constexpr std::array<std::uint16_t, 256> MakeCrc16Table() {
  std::array<std::uint16_t, 256> table{};
  for (unsigned byte = 0; byte < 256; ++byte) {
    std::uint16_t crc = static_cast<std::uint16_t>(byte << 8);
    for (int bit = 0; bit < 8; ++bit) {
      crc = static_cast<std::uint16_t>((crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1);
    }
    table[byte] = crc;
  }
  return table;
}

constexpr std::array<std::uint16_t, 256> kCrc16Table = MakeCrc16Table();

}  // namespace

std::uint16_t Crc16(std::string_view bytes) {
  std::uint16_t crc = 0;
  for (unsigned char byte : bytes) {
    crc = static_cast<std::uint16_t>((crc << 8) ^ kCrc16Table[((crc >> 8) ^ byte) & 0xff]);
  }
  return crc;
}

std::string_view ClusterHashTag(std::string_view key) {
  const std::size_t open = key.find('{');
  if (open == std::string_view::npos) return key;
  const std::size_t close = key.find('}', open + 1);
  if (close == std::string_view::npos || close == open + 1) return key;
  return key.substr(open + 1, close - open - 1);
}

int ClusterKeySlot(std::string_view key) { return Crc16(ClusterHashTag(key)) % kClusterSlotCount; }

bool IsKeylessCommand(std::string_view command) {
  static constexpr std::string_view kKeyless[] = {
      "ASKING",  "AUTH",     "BGREWRITEAOF", "BGSAVE",   "CLIENT",   "CLUSTER",  "COMMAND",   "CONFIG",
      "DBSIZE",  "DEBUG",    "DISCARD",      "ECHO",     "EXEC",     "FLUSHALL", "FLUSHDB",   "FUNCTION",
      "HELLO",   "INFO",     "LASTSAVE",     "LATENCY",  "MEMORY",   "MULTI",    "PING",      "PUBLISH",
      "READONLY", "READWRITE", "ROLE",       "SAVE",     "SCRIPT",   "SELECT",   "SHUTDOWN",  "SLOWLOG",
      "TIME",    "WAIT"};
  for (std::string_view keyless : kKeyless) {
    if (command.size() != keyless.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < command.size() && same; ++i) {
      same = std::toupper(static_cast<unsigned char>(command[i])) == keyless[i];
    }
    if (same) return true;
  }
  return false;
}

}  // namespace flagmeter

#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace flagmeter {

/// Valkey Cluster's key space: 16384 hash slots, as in the Redis Cluster
/// specification ("Keys distribution model").
inline constexpr int kClusterSlotCount = 16384;

/// CRC16-CCITT in the XMODEM variant (polynomial 0x1021, initial value 0,
/// no reflection): the checksum the cluster hashes keys with.
/// Crc16("123456789") == 0x31C3.
std::uint16_t Crc16(std::string_view bytes);

/// The part of `key` that is hashed: the text between the first '{' and the
/// first '}' after it, when that text is not empty; else the whole key. So
/// "{user1000}.following" and "{user1000}.followers" share a slot, while
/// "foo{}{bar}" hashes whole.
std::string_view ClusterHashTag(std::string_view key);

/// The slot (0..16383) that owns `key`: Crc16(ClusterHashTag(key)) % 16384.
int ClusterKeySlot(std::string_view key);

/// Whether `command` (any case) takes no key although it may take arguments
/// (INFO server, WAIT 1 100, CLUSTER SLOTS, SCRIPT LOAD, CONFIG GET, PING,
/// ECHO, ...): such commands are not routed by their first argument.
bool IsKeylessCommand(std::string_view command);

}  // namespace flagmeter

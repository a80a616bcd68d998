// Synthesis reports: reads Yosys `stat -json` and nextpnr `--report` output, checks the design
// against the device's capacity, and writes build/<board>/<model>/report.json.
#pragma once
#include <string>
#include <vector>

namespace tg {

struct Device {
  std::string name;    // up5k, hx1k, hx8k, ...
  std::string family;  // ice40, ecp5, xilinx, generic
  int luts;            // capacity in the family's LUT (0 = unbounded)
  int brams = 0;       // block RAMs (iCE40 EBR, ECP5 DP16KD; 0 = not counted)
};
const Device& find_device(const std::string& name);

int cmd_synth_report(const std::vector<std::string>& args, const std::string& full);

}  // namespace tg

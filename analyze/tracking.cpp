#include "tracking.hpp"

#include <fmt/format.h>

#include <tuple>

#include "passes.hpp"
#include "util.hpp"

namespace tg::analyze {

using ir::Bit;

namespace {

// How many places read each bit: sum terms, mux operands, register next functions.
std::vector<int> uses(const ir::Netlist& n) {
  std::vector<int> u(n.bits.size(), 0);
  for (const auto& s : n.sums)
    for (const auto& t : s.terms) ++u[size_t(t.bit)];
  for (const auto& b : n.bits)
    if (b.kind == Bit::Kind::Mux) {
      ++u[size_t(b.a)];
      ++u[size_t(b.b)];
      ++u[size_t(b.c)];
    }
  for (const auto& r : n.regs) ++u[size_t(r.next)];
  return u;
}

// The key under which the merge pass identifies bits (see gen/passes/merge.cpp), evaluated on
// the netlist after the pass, where operands are already substituted.
std::tuple<int, int, int, int> merge_key(const ir::Netlist& n, const Bit& b) {
  switch (b.kind) {
    case Bit::Kind::Cmp: return {1, b.a, b.b, 0};
    case Bit::Kind::Mux: return {2, b.a, b.b, b.c};
    case Bit::Kind::State: return {3, n.regs[size_t(b.a)].next, n.regs[size_t(b.a)].reset, 0};
    case Bit::Kind::Const: break;
  }
  return {0, b.a, 0, 0};
}

Fate fate_of(const std::string& status, int value = -1, const std::string& twin = "") {
  Fate f;
  f.status = status;
  f.value = value;
  f.twin = twin;
  return f;
}

void record(const std::string& pass, int sweep, const ir::Netlist& before, const ir::Netlist& after,
            std::map<std::string, Fate>& fate) {
  auto set = [&](const std::string& name, Fate f) {
    auto& slot = fate[name];
    if (slot.status != "kept") return;  // the first decision stands
    f.pass = pass;
    f.sweep = sweep;
    slot = f;
  };
  if (pass == "fold-const") {
    // fold-const rewrites bits in place (no renumbering).
    for (size_t i = 0; i < before.bits.size(); ++i)
      if (before.bits[i].kind != Bit::Kind::Const && after.bits[i].kind == Bit::Kind::Const)
        set(before.bits[i].name, fate_of("constant", after.bits[i].a));
  } else if (pass == "merge") {
    // merge substitutes uses (no renumbering): a bit it merged is one that was read before,
    // is read no more, and shares its merge key with an earlier bit.
    auto ub = uses(before), ua = uses(after);
    std::map<std::tuple<int, int, int, int>, int> first;
    for (size_t i = 0; i < after.bits.size(); ++i) {
      auto [it, fresh] = first.emplace(merge_key(after, after.bits[i]), int(i));
      if (fresh || ub[i] == 0 || ua[i] != 0) continue;
      set(after.bits[i].name, fate_of("duplicate", -1, after.bits[size_t(it->second)].name));
    }
  } else if (pass == "dead") {
    std::map<std::string, int> kept;
    for (const auto& b : after.bits) kept[b.name] = 1;
    for (const auto& b : before.bits)
      if (!kept.count(b.name)) set(b.name, fate_of("dead"));
  }
}

}  // namespace

Tracked track_passes(const ir::Netlist& plain) {
  Tracked t;
  t.plain = plain;
  {
    std::map<std::string, int> names;
    for (const auto& b : plain.bits)
      if (names[b.name]++) throw Error("internal error: bit name '" + b.name + "' is not unique");
  }
  for (const auto& b : plain.bits) t.fate[b.name] = Fate{};
  // The official run, for its report and as the reference result.
  ir::Netlist ref = plain;
  passes::run(ref, passes::default_pipeline(), t.report);
  // The same pipeline, one pass application at a time (the sweep loop of passes::run).
  std::vector<const passes::Pass*> list;
  for (const auto& name : passes::default_pipeline())
    for (const auto& p : passes::all())
      if (name == p.name) list.push_back(&p);
  ir::Netlist n = plain;
  int sweep = 0;
  for (bool changed = !list.empty(); changed && sweep < 100; ++sweep) {
    changed = false;
    for (const auto* p : list) {
      ir::Netlist before = n;
      changed |= p->run(n);
      n.verify(p->name);
      record(p->name, sweep + 1, before, n, t.fate);
    }
  }
  bool same = n.bits.size() == ref.bits.size() && n.sums.size() == ref.sums.size() && n.regs.size() == ref.regs.size();
  for (size_t i = 0; same && i < n.bits.size(); ++i) same = n.bits[i].name == ref.bits[i].name;
  if (!same)
    throw Error(fmt::format("internal error: the tracked pass run ({} bits) differs from passes::run ({} bits)",
                            n.bits.size(), ref.bits.size()));
  t.optimised = std::move(n);
  return t;
}

}  // namespace tg::analyze

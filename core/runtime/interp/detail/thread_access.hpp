#pragma once
// Why this file exists: wabt 1.0.32 has no public fuel or interrupt hook (see the crib
// sheet). Func::Call pushes the call and runs it to completion; the pieces it is made of,
// Thread::PushValues, PushCall, StepInternal and PopValues, are private, and so are the
// call and value stacks whose size we must bound. To stop a guest on time, on fuel and at a
// call depth we replicate DefinedFunc::DoCall (interp.cc) with our own step loop, so we
// need exactly those six members, and nothing else.
//
// They are reached with the standard's explicit-instantiation rule ([temp.spec.general]/6
// in C++20's numbering [temp.spec]/6): names in an explicit instantiation are not access
// checked, so `template struct Expose<Tag, &Thread::PushCall>` may name a private member,
// and the friend function it defines hands the member pointer out. No casts, no layout
// assumptions, no #define private. The price: this is tied to wabt's private declarations,
// so a wabt upgrade that changes them fails to compile here rather than misbehaving.
//
// Only core/runtime/interp/instance.cpp includes this.
#include <wabt/config.h>
#include <wabt/interp/interp.h>

#include <string_view>
#include <vector>

static_assert(std::string_view(WABT_VERSION_STRING) == "1.0.32",
              "thread_access.hpp mirrors wabt 1.0.32's private Thread members; recheck them");

namespace edgectl::runtime::interp::detail {

namespace wi = wabt::interp;

template <class Tag, typename Tag::type Member>
struct Expose {
  friend typename Tag::type member(Tag) { return Member; }
};

// One tag per member: its pointer type, and the friend the instantiation below defines.
#define EDGECTL_THREAD_MEMBER(TagName, ...) \
  struct TagName {                          \
    using type = __VA_ARGS__;               \
    friend type member(TagName);            \
  }

EDGECTL_THREAD_MEMBER(PushValuesTag,
                      void (wi::Thread::*)(const wi::ValueTypes&, const wi::Values&));
EDGECTL_THREAD_MEMBER(PushCallTag,
                      wi::RunResult (wi::Thread::*)(const wi::DefinedFunc&, wi::Trap::Ptr*));
EDGECTL_THREAD_MEMBER(StepTag, wi::RunResult (wi::Thread::*)(wi::Trap::Ptr*));
EDGECTL_THREAD_MEMBER(PopValuesTag, void (wi::Thread::*)(const wi::ValueTypes&, wi::Values*));
EDGECTL_THREAD_MEMBER(FramesTag, std::vector<wi::Frame> wi::Thread::*);
EDGECTL_THREAD_MEMBER(ValuesTag, std::vector<wi::Value> wi::Thread::*);
#undef EDGECTL_THREAD_MEMBER

template struct Expose<PushValuesTag, &wi::Thread::PushValues>;
template struct Expose<PushCallTag, &wi::Thread::PushCall>;  // the DefinedFunc overload
template struct Expose<StepTag, &wi::Thread::StepInternal>;
template struct Expose<PopValuesTag, &wi::Thread::PopValues>;
template struct Expose<FramesTag, &wi::Thread::frames_>;
template struct Expose<ValuesTag, &wi::Thread::values_>;

// Thread::PushValues: the arguments onto the value stack.
inline void push_values(wi::Thread& t, const wi::ValueTypes& types, const wi::Values& values) {
  (t.*member(PushValuesTag{}))(types, values);
}
// Thread::PushCall(const DefinedFunc&): the callee's frame; traps when the stack is full.
inline wi::RunResult push_call(wi::Thread& t, const wi::DefinedFunc& f, wi::Trap::Ptr* trap) {
  return (t.*member(PushCallTag{}))(f, trap);
}
// Thread::StepInternal: one instruction, what Thread::Run(n) loops over n times.
inline wi::RunResult step(wi::Thread& t, wi::Trap::Ptr* trap) {
  return (t.*member(StepTag{}))(trap);
}
// Thread::PopValues: the results off the value stack.
inline void pop_values(wi::Thread& t, const wi::ValueTypes& types, wi::Values* out) {
  (t.*member(PopValuesTag{}))(types, out);
}
// The call stack (PushCall traps "call stack exhausted" when size() == capacity()).
inline std::vector<wi::Frame>& frames(wi::Thread& t) {
  return t.*member(FramesTag{});
}
// The operand and locals stack (grows without a bound of its own).
inline std::vector<wi::Value>& values(wi::Thread& t) {
  return t.*member(ValuesTag{});
}

}  // namespace edgectl::runtime::interp::detail

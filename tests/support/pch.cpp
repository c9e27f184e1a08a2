// The translation unit that compiles the test suite's precompiled header (tests/CMakeLists.txt,
// euiccd_test_pch); it has no code of its own.

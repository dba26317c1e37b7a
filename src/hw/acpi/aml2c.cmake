# aml2c.cmake - turn iasl's AML output into a C source with the bytes
# (acpi_dsdt_aml / acpi_dsdt_aml_len, declared in src/hw/acpi_tables.h).
# Usage: cmake -DIN=dsdt.aml -DOUT=acpi_dsdt.c -P aml2c.cmake
file(READ ${IN} hex HEX)
string(LENGTH "${hex}" n)
math(EXPR len "${n} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "((0x..,){16})" "\\1\n  " bytes "${bytes}")
file(WRITE ${OUT} "/* Generated from dsdt.asl by iasl and aml2c.cmake: do not edit. */\n"
     "#include \"acpi_tables.h\"\n"
     "const unsigned char acpi_dsdt_aml[] = {\n  ${bytes}\n};\n"
     "const unsigned int acpi_dsdt_aml_len = ${len};\n")

/*
 * pmode.h — protected-mode mechanisms: descriptors, segment loads with
 * checks, far transfers through gates, interrupt delivery, task switch.
 */
#ifndef X86VM_PMODE_H
#define X86VM_PMODE_H

#include "cpu.h"

/* Read the 8-byte descriptor for sel from the GDT or LDT.  Returns false if
 * the selector is beyond the table limit. */
bool pmode_read_desc(Cpu *cpu, uint16_t sel, uint32_t *lo, uint32_t *hi);
/* Fill a segment cache from a descriptor. */
void pmode_desc_to_cache(SegCache *s, uint16_t sel, uint32_t lo, uint32_t hi);
/* Set the accessed bit of a descriptor in memory. */
void pmode_set_accessed(Cpu *cpu, uint16_t sel, uint32_t hi);

/* MOV/POP/LxS to DS, ES, FS, GS, SS with all protected-mode checks. */
void pmode_load_data_seg(Cpu *cpu, int seg, uint16_t sel);
/* Deliver an interrupt or exception through the IDT. */
void pmode_deliver_interrupt(Cpu *cpu, int vector, bool software, uint32_t error_code,
                             uint32_t return_eip);
/* Hardware task switch (JMP/CALL/INT/IRET). source: 0 jmp, 1 call/int, 2 iret. */
void pmode_task_switch(Cpu *cpu, uint16_t tss_sel, uint32_t lo, uint32_t hi, int source,
                       uint32_t error_code);
/* Stack pointer for privilege level dpl from the current TSS. */
void pmode_tss_stack(Cpu *cpu, unsigned dpl, uint16_t *ss, uint32_t *esp);

#endif

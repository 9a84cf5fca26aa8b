/** Every hazard rule, by its stable id (docs/rules/<id>.md explains each). */
import type { Rule } from '../rule.js';
import { addColumnNotNullWithoutDefault } from './add-column-not-null-without-default.js';
import { constraintNotValid } from './constraint-not-valid.js';
import { dropMappedColumn } from './drop-mapped-column.js';
import { indexNotConcurrent } from './index-not-concurrent.js';
import { missingLockTimeout } from './missing-lock-timeout.js';
import { setNotNull } from './set-not-null.js';
import { tableRewrite } from './table-rewrite.js';

export const RULES: readonly Rule[] = [tableRewrite, addColumnNotNullWithoutDefault, setNotNull, indexNotConcurrent, constraintNotValid, missingLockTimeout, dropMappedColumn];

export const RULE_IDS: ReadonlySet<string> = new Set(RULES.map((rule) => rule.id));

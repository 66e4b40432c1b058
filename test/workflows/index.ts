// The production workflows plus the ones kept for tests of the platform itself.
export * from '../../workflows/index.ts';
export * from './two-marks.ts';
export * from './post-once.ts';

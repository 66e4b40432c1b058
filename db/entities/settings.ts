import { EntitySchema } from '@mikro-orm/core';

/** settings the running service reads when it starts a process, such as the simulation time scale */
export interface Setting {
  key: string;
  value: Record<string, unknown>;
  updatedAt: Date;
  updatedBy: string;
}

export const SettingSchema = new EntitySchema<Setting>({
  name: 'Setting',
  properties: {
    key: { type: 'string', length: 100, primary: true },
    value: { type: 'json' },
    updatedAt: { type: 'datetime' },
    updatedBy: { type: 'string', length: 100 },
  },
});

import { badParameter, missingParameter, resourceNotFound } from './api-error';

export type AttributeModel = 'contact' | 'company';
export const DATA_TYPES = ['string', 'integer', 'float', 'boolean', 'date', 'datetime', 'options'] as const;
export type DataType = (typeof DATA_TYPES)[number];

export interface DataAttributeRecord {
  id: number | null;
  name: string;
  model: AttributeModel;
  dataType: DataType;
  description: string;
  options: string[] | null;
  custom: boolean;
  archived: boolean;
  messengerWritable: boolean;
  createdAt: number;
  updatedAt: number;
}

/** A few of Intercom's built-in attributes; they are listed but never count toward the custom limit. */
const STANDARD_ATTRIBUTES: Record<AttributeModel, [string, DataType][]> = {
  contact: [
    ['name', 'string'],
    ['email', 'string'],
    ['phone', 'string'],
    ['external_id', 'string'],
    ['role', 'string'],
    ['owner_id', 'integer'],
    ['signed_up_at', 'date'],
    ['last_seen_at', 'date'],
    ['created_at', 'date'],
    ['updated_at', 'date'],
    ['unsubscribed_from_emails', 'boolean'],
  ],
  company: [
    ['name', 'string'],
    ['company_id', 'string'],
    ['plan', 'string'],
    ['monthly_spend', 'float'],
    ['size', 'integer'],
    ['website', 'string'],
    ['industry', 'string'],
    ['created_at', 'date'],
  ],
};

/**
 * Names: Intercom's docs allow "alphanumerics, currency symbols and hyphens", yet real workspaces
 * are full of names with underscores and spaces (`plan_name`, `Account Tier`). We accept those
 * too, and reject `.` and `$` — the legacy key rule, and `.` would break `custom_attributes.x`
 * paths in search — plus every other punctuation.
 */
const NAME_PATTERN = /^[\p{L}\p{N}\p{Sc}_\- ]+$/u;

export function renderDataAttribute(a: DataAttributeRecord) {
  return {
    type: 'data_attribute' as const,
    ...(a.id !== null ? { id: a.id } : {}),
    model: a.model,
    name: a.name,
    full_name: a.custom ? `custom_attributes.${a.name}` : a.name,
    label: a.name,
    description: a.description,
    data_type: a.dataType,
    ...(a.options ? { options: [...a.options] } : {}),
    api_writable: true,
    messenger_writable: a.messengerWritable,
    ui_writable: true,
    custom: a.custom,
    archived: a.archived,
    created_at: a.createdAt,
    updated_at: a.updatedAt,
  };
}

export class DataAttributeStore {
  private readonly records: DataAttributeRecord[] = [];
  private nextId = 1;

  constructor(
    private readonly nowSeconds: () => number,
    private readonly customLimit: number,
  ) {
    for (const model of ['contact', 'company'] as const) {
      for (const [name, dataType] of STANDARD_ATTRIBUTES[model]) {
        this.records.push({
          id: null,
          name,
          model,
          dataType,
          description: '',
          options: null,
          custom: false,
          archived: false,
          messengerWritable: false,
          createdAt: 0,
          updatedAt: 0,
        });
      }
    }
  }

  list(model: AttributeModel | undefined, includeArchived: boolean): DataAttributeRecord[] {
    return this.records.filter((a) => (!model || a.model === model) && (includeArchived || !a.archived));
  }

  /** The live custom attribute a contact write may set, if it exists. */
  custom(name: string, model: AttributeModel = 'contact'): DataAttributeRecord | undefined {
    return this.records.find((a) => a.custom && !a.archived && a.model === model && a.name === name);
  }

  activeCustomCount(model: AttributeModel): number {
    return this.records.filter((a) => a.custom && !a.archived && a.model === model).length;
  }

  create(body: unknown): DataAttributeRecord {
    const input = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const { name, model, data_type: dataType, description, options, messenger_writable: messengerWritable } = input;
    if (name === undefined || name === null || name === '') throw missingParameter('name is required', 'name');
    if (typeof name !== 'string' || !NAME_PATTERN.test(name) || name.trim() !== name) {
      throw badParameter(
        `The name '${String(name)}' is invalid: use letters, numbers, currency symbols, hyphens, underscores and spaces`,
        'name',
      );
    }
    if (model !== 'contact' && model !== 'company') throw badParameter('model must be contact or company', 'model');
    if (!DATA_TYPES.includes(dataType as DataType)) {
      throw badParameter(`data_type must be one of ${DATA_TYPES.join(', ')}`, 'data_type');
    }
    if (description !== undefined && typeof description !== 'string')
      throw badParameter('description must be a string', 'description');
    const clash = this.records.find((a) => a.model === model && a.name.toLowerCase() === name.toLowerCase());
    if (clash)
      throw badParameter(`You already have '${clash.name}' in your data. Please use a different name.`, 'name');
    const parsedOptions = dataType === 'options' ? parseOptions(options) : null;
    if (this.activeCustomCount(model) >= this.customLimit) {
      throw badParameter(
        `You have reached the limit of ${this.customLimit} custom data attributes for ${model}s. Archive unused attributes to create new ones.`,
        'name',
      );
    }
    return this.add({
      name,
      model,
      dataType: dataType as DataType,
      description: description ?? '',
      options: parsedOptions,
      messengerWritable: messengerWritable === true,
    });
  }

  /** `PUT /data_attributes/{id}`: archive/unarchive, description, options, messenger_writable. */
  update(id: number, body: unknown): DataAttributeRecord {
    const record = this.records.find((a) => a.id === id);
    if (!record) throw resourceNotFound();
    const input = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    if (input.archived !== undefined) {
      if (typeof input.archived !== 'boolean') throw badParameter('archived must be a boolean', 'archived');
      if (!input.archived && record.archived && this.activeCustomCount(record.model) >= this.customLimit) {
        throw badParameter(
          `You have reached the limit of ${this.customLimit} custom data attributes for ${record.model}s.`,
          'archived',
        );
      }
      record.archived = input.archived;
    }
    if (input.description !== undefined) {
      if (typeof input.description !== 'string') throw badParameter('description must be a string', 'description');
      record.description = input.description;
    }
    if (input.options !== undefined) {
      if (record.dataType !== 'options') throw badParameter('options can only be set on options attributes', 'options');
      record.options = parseOptions(input.options);
    }
    if (input.messenger_writable !== undefined) record.messengerWritable = input.messenger_writable === true;
    record.updatedAt = this.nowSeconds();
    return record;
  }

  /** Seeding: make sure a custom attribute exists, without the API's checks. */
  ensure(name: string, dataType: DataType, model: AttributeModel = 'contact'): DataAttributeRecord {
    return (
      this.custom(name, model) ??
      this.add({
        name,
        model,
        dataType,
        description: '',
        options: dataType === 'options' ? [] : null,
        messengerWritable: false,
      })
    );
  }

  /** Custom attributes only: the standard ones are built in. */
  snapshot(): DataAttributeRecord[] {
    return this.records.filter((r) => r.custom).map((r) => structuredClone(r));
  }

  restore(records: DataAttributeRecord[]): void {
    for (const record of records) {
      this.records.push(structuredClone(record));
      this.nextId = Math.max(this.nextId, (record.id ?? 0) + 1);
    }
  }

  private add(
    fields: Pick<DataAttributeRecord, 'name' | 'model' | 'dataType' | 'description' | 'options' | 'messengerWritable'>,
  ) {
    const now = this.nowSeconds();
    const record: DataAttributeRecord = {
      ...fields,
      id: this.nextId++,
      custom: true,
      archived: false,
      createdAt: now,
      updatedAt: now,
    };
    this.records.push(record);
    return record;
  }
}

/** Options arrive as `[{value}]` with at least two entries. */
function parseOptions(options: unknown): string[] {
  if (
    !Array.isArray(options) ||
    options.length < 2 ||
    !options.every((o) => typeof o === 'object' && o !== null && typeof (o as { value?: unknown }).value === 'string')
  ) {
    throw badParameter('options must be an array of at least 2 objects like {"value": "..."}', 'options');
  }
  return options.map((o: { value: string }) => o.value);
}

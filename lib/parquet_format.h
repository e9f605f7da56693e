/*
 * parquet_format: the parts of the Parquet format that the writer
 * (parquet.c and parquet_*.c) and the reader (parquet_read*.c) both speak,
 * described once: the enums of parquet.thrift and the Thrift field ids of
 * every struct either side writes or reads, so that the two cannot drift
 * apart.  Private to those files; callers use parquet.h and
 * parquet_read.h.
 *
 * The source is apache/parquet-format, src/main/thrift/parquet.thrift
 * (checked against commit 24102ed5).  Every enum below names the Thrift
 * enum, union or struct it comes from in a comment, and its constants are
 * the Thrift names with a prefix, so each line can be checked against the
 * IDL by eye.  Field ids are listed for whole structs, not only the
 * fields used, so that a gap is the IDL's and not an omission here.
 *
 *	enums:
 *	  PT_	enum Type
 *	  CT_	enum ConvertedType
 *	  FRT_	enum FieldRepetitionType
 *	  ENC_	enum Encoding
 *	  COMP_	enum CompressionCodec
 *	  PGT_	enum PageType
 *	field ids:
 *	  FMD_	struct FileMetaData
 *	  KV_	struct KeyValue
 *	  SE_	struct SchemaElement
 *	  LT_	union LogicalType
 *	  DEC_	struct DecimalType
 *	  TIME_	struct TimeType
 *	  TS_	struct TimestampType
 *	  UNIT_	union TimeUnit
 *	  INT_	struct IntType
 *	  CO_	union ColumnOrder
 *	  RG_	struct RowGroup
 *	  CC_	struct ColumnChunk
 *	  CMD_	struct ColumnMetaData
 *	  STAT_	struct Statistics
 *	  PH_	struct PageHeader
 *	  DPH_	struct DataPageHeader
 *	  DICT_	struct DictionaryPageHeader
 *	  DPH2_	struct DataPageHeaderV2
 *
 * A union is a struct with exactly one field set, so the members of
 * LogicalType, TimeUnit and ColumnOrder are field ids too.  The Thrift
 * types of the fields are in the comments where the code must match them
 * (an i8 is written with thrift_field_i8, a bool with thrift_field_bool).
 */
#ifndef VL_PARQUET_FORMAT_H
#define VL_PARQUET_FORMAT_H

/* The 4 bytes at both ends of a file; an encrypted footer ends in PARE. */
#define PARQUET_MAGIC		"PAR1"
#define PARQUET_MAGIC_ENCRYPTED	"PARE"
#define PARQUET_MAGIC_LEN	4

/* FileMetaData.version: 1, the only version readers agree on. */
#define PARQUET_FILE_VERSION	1

/* ------------------------------------------------------------------ */
/* Enums */

/* enum Type: the physical types. */
enum pqf_type {
	PT_BOOLEAN = 0,
	PT_INT32 = 1,
	PT_INT64 = 2,
	PT_INT96 = 3,			/* deprecated */
	PT_FLOAT = 4,
	PT_DOUBLE = 5,
	PT_BYTE_ARRAY = 6,
	PT_FIXED_LEN_BYTE_ARRAY = 7
};

/* enum ConvertedType: the annotations LogicalType replaces. */
enum pqf_converted_type {
	CT_UTF8 = 0,
	CT_MAP = 1,
	CT_MAP_KEY_VALUE = 2,
	CT_LIST = 3,
	CT_ENUM = 4,
	CT_DECIMAL = 5,
	CT_DATE = 6,
	CT_TIME_MILLIS = 7,
	CT_TIME_MICROS = 8,
	CT_TIMESTAMP_MILLIS = 9,
	CT_TIMESTAMP_MICROS = 10,
	CT_UINT_8 = 11,
	CT_UINT_16 = 12,
	CT_UINT_32 = 13,
	CT_UINT_64 = 14,
	CT_INT_8 = 15,
	CT_INT_16 = 16,
	CT_INT_32 = 17,
	CT_INT_64 = 18,
	CT_JSON = 19,
	CT_BSON = 20,
	CT_INTERVAL = 21
};

/* enum FieldRepetitionType. */
enum pqf_repetition {
	FRT_REQUIRED = 0,
	FRT_OPTIONAL = 1,
	FRT_REPEATED = 2
};

/* enum Encoding.  GROUP_VAR_INT is commented out in the IDL (deprecated,
 * never used); it is named here for messages only. */
enum pqf_encoding {
	ENC_PLAIN = 0,
	ENC_GROUP_VAR_INT = 1,
	ENC_PLAIN_DICTIONARY = 2,
	ENC_RLE = 3,
	ENC_BIT_PACKED = 4,		/* deprecated, levels only */
	ENC_DELTA_BINARY_PACKED = 5,
	ENC_DELTA_LENGTH_BYTE_ARRAY = 6,
	ENC_DELTA_BYTE_ARRAY = 7,
	ENC_RLE_DICTIONARY = 8,
	ENC_BYTE_STREAM_SPLIT = 9,
	ENC_ALP = 10
};

/* enum CompressionCodec.  compress.h's enum codec uses these numbers for
 * the codecs it has; the files that pass one for the other assert it. */
enum pqf_codec {
	COMP_UNCOMPRESSED = 0,
	COMP_SNAPPY = 1,
	COMP_GZIP = 2,
	COMP_LZO = 3,
	COMP_BROTLI = 4,
	COMP_LZ4 = 5,			/* deprecated */
	COMP_ZSTD = 6,
	COMP_LZ4_RAW = 7
};

/* enum PageType. */
enum pqf_page_type {
	PGT_DATA_PAGE = 0,
	PGT_INDEX_PAGE = 1,
	PGT_DICTIONARY_PAGE = 2,
	PGT_DATA_PAGE_V2 = 3
};

/* ------------------------------------------------------------------ */
/* Field ids, struct by struct, in the order of parquet.thrift */

/* struct FileMetaData: the footer. */
enum {
	FMD_VERSION = 1,		/* i32 */
	FMD_SCHEMA = 2,			/* list<SchemaElement>, depth-first */
	FMD_NUM_ROWS = 3,		/* i64 */
	FMD_ROW_GROUPS = 4,		/* list<RowGroup> */
	FMD_KEY_VALUE_METADATA = 5,	/* list<KeyValue> */
	FMD_CREATED_BY = 6,		/* string */
	FMD_COLUMN_ORDERS = 7,		/* list<ColumnOrder>, one per leaf */
	FMD_ENCRYPTION_ALGORITHM = 8,
	FMD_FOOTER_SIGNING_KEY_METADATA = 9
};

/* struct KeyValue. */
enum {
	KV_KEY = 1,			/* string */
	KV_VALUE = 2			/* string */
};

/* struct SchemaElement: one node of the schema tree. */
enum {
	SE_TYPE = 1,			/* Type; leaves only */
	SE_TYPE_LENGTH = 2,		/* i32; FIXED_LEN_BYTE_ARRAY */
	SE_REPETITION_TYPE = 3,		/* FieldRepetitionType; not the root */
	SE_NAME = 4,			/* string */
	SE_NUM_CHILDREN = 5,		/* i32; groups only */
	SE_CONVERTED_TYPE = 6,		/* ConvertedType */
	SE_SCALE = 7,			/* i32; DECIMAL */
	SE_PRECISION = 8,		/* i32; DECIMAL */
	SE_FIELD_ID = 9,		/* i32 */
	SE_LOGICAL_TYPE = 10		/* LogicalType (logicalType) */
};

/* union LogicalType: each member is a struct, most of them empty. */
enum {
	LT_STRING = 1,			/* StringType {} */
	LT_MAP = 2,			/* MapType {} */
	LT_LIST = 3,			/* ListType {} */
	LT_ENUM = 4,			/* EnumType {} */
	LT_DECIMAL = 5,			/* DecimalType */
	LT_DATE = 6,			/* DateType {} */
	LT_TIME = 7,			/* TimeType */
	LT_TIMESTAMP = 8,		/* TimestampType */
					/* 9: reserved for INTERVAL */
	LT_INTEGER = 10,		/* IntType */
	LT_UNKNOWN = 11,		/* NullType {} */
	LT_JSON = 12,			/* JsonType {} */
	LT_BSON = 13,			/* BsonType {} */
	LT_UUID = 14,			/* UUIDType {} */
	LT_FLOAT16 = 15,		/* Float16Type {} */
	LT_VARIANT = 16,		/* VariantType */
	LT_GEOMETRY = 17,		/* GeometryType */
	LT_GEOGRAPHY = 18,		/* GeographyType */
	LT_FILE = 19			/* FileType {} */
};

/* struct DecimalType. */
enum {
	DEC_SCALE = 1,			/* i32 */
	DEC_PRECISION = 2		/* i32 */
};

/* struct TimeType and struct TimestampType, which have the same fields. */
enum {
	TIME_IS_ADJUSTED_TO_UTC = 1,	/* bool (isAdjustedToUTC) */
	TIME_UNIT = 2			/* TimeUnit */
};
enum {
	TS_IS_ADJUSTED_TO_UTC = 1,	/* bool (isAdjustedToUTC) */
	TS_UNIT = 2			/* TimeUnit */
};

/* union TimeUnit: each member an empty struct. */
enum {
	UNIT_MILLIS = 1,		/* MilliSeconds {} */
	UNIT_MICROS = 2,		/* MicroSeconds {} */
	UNIT_NANOS = 3			/* NanoSeconds {} */
};

/* struct IntType. */
enum {
	INT_BIT_WIDTH = 1,		/* i8 (bitWidth): 8, 16, 32 or 64 */
	INT_IS_SIGNED = 2		/* bool (isSigned) */
};

/* struct RowGroup. */
enum {
	RG_COLUMNS = 1,			/* list<ColumnChunk>, in leaf order */
	RG_TOTAL_BYTE_SIZE = 2,		/* i64: uncompressed */
	RG_NUM_ROWS = 3,		/* i64 */
	RG_SORTING_COLUMNS = 4,
	RG_FILE_OFFSET = 5,		/* i64 */
	RG_TOTAL_COMPRESSED_SIZE = 6,	/* i64 */
	RG_ORDINAL = 7			/* i16 */
};

/* struct ColumnChunk. */
enum {
	CC_FILE_PATH = 1,		/* string: data in another file */
	CC_FILE_OFFSET = 2,		/* i64, deprecated: written as 0 */
	CC_META_DATA = 3,		/* ColumnMetaData */
	CC_OFFSET_INDEX_OFFSET = 4,
	CC_OFFSET_INDEX_LENGTH = 5,
	CC_COLUMN_INDEX_OFFSET = 6,
	CC_COLUMN_INDEX_LENGTH = 7,
	CC_CRYPTO_METADATA = 8,
	CC_ENCRYPTED_COLUMN_METADATA = 9
};

/* struct ColumnMetaData. */
enum {
	CMD_TYPE = 1,			/* Type */
	CMD_ENCODINGS = 2,		/* list<Encoding> */
	CMD_PATH_IN_SCHEMA = 3,		/* list<string> */
	CMD_CODEC = 4,			/* CompressionCodec */
	CMD_NUM_VALUES = 5,		/* i64: slots, nulls included */
	CMD_TOTAL_UNCOMPRESSED_SIZE = 6,	/* i64, page headers included */
	CMD_TOTAL_COMPRESSED_SIZE = 7,	/* i64, page headers included */
	CMD_KEY_VALUE_METADATA = 8,
	CMD_DATA_PAGE_OFFSET = 9,	/* i64 */
	CMD_INDEX_PAGE_OFFSET = 10,	/* i64 */
	CMD_DICTIONARY_PAGE_OFFSET = 11,	/* i64 */
	CMD_STATISTICS = 12,		/* Statistics */
	CMD_ENCODING_STATS = 13,
	CMD_BLOOM_FILTER_OFFSET = 14,
	CMD_BLOOM_FILTER_LENGTH = 15,
	CMD_SIZE_STATISTICS = 16,
	CMD_GEOSPATIAL_STATISTICS = 17
};

/* struct Statistics: bounds are PLAIN values, strings without their
 * length prefix. */
enum {
	STAT_MAX = 1,			/* binary, deprecated: signed order */
	STAT_MIN = 2,			/* binary, deprecated: signed order */
	STAT_NULL_COUNT = 3,		/* i64 */
	STAT_DISTINCT_COUNT = 4,	/* i64 */
	STAT_MAX_VALUE = 5,		/* binary */
	STAT_MIN_VALUE = 6,		/* binary */
	STAT_IS_MAX_VALUE_EXACT = 7,	/* bool */
	STAT_IS_MIN_VALUE_EXACT = 8,	/* bool */
	STAT_NAN_COUNT = 9		/* i64 */
};

/* union ColumnOrder: each member an empty struct. */
enum {
	CO_TYPE_ORDER = 1,		/* TypeDefinedOrder {} */
	CO_IEEE_754_TOTAL_ORDER = 2,	/* IEEE754TotalOrder {} */
	CO_INT96_TIMESTAMP_ORDER = 3	/* Int96TimestampOrder {} */
};

/* struct PageHeader: one of the page kinds' own headers follows the
 * sizes. */
enum {
	PH_TYPE = 1,			/* PageType */
	PH_UNCOMPRESSED_PAGE_SIZE = 2,	/* i32, this header excluded */
	PH_COMPRESSED_PAGE_SIZE = 3,	/* i32, this header excluded */
	PH_CRC = 4,			/* i32: CRC-32 of the stored bytes */
	PH_DATA_PAGE_HEADER = 5,	/* DataPageHeader */
	PH_INDEX_PAGE_HEADER = 6,	/* IndexPageHeader */
	PH_DICTIONARY_PAGE_HEADER = 7,	/* DictionaryPageHeader */
	PH_DATA_PAGE_HEADER_V2 = 8	/* DataPageHeaderV2 */
};

/* struct DataPageHeader (data page v1). */
enum {
	DPH_NUM_VALUES = 1,		/* i32: slots, nulls included */
	DPH_ENCODING = 2,		/* Encoding of the values */
	DPH_DEFINITION_LEVEL_ENCODING = 3,	/* Encoding */
	DPH_REPETITION_LEVEL_ENCODING = 4,	/* Encoding */
	DPH_STATISTICS = 5		/* Statistics */
};

/* struct DictionaryPageHeader. */
enum {
	DICT_NUM_VALUES = 1,		/* i32: entries */
	DICT_ENCODING = 2,		/* Encoding */
	DICT_IS_SORTED = 3		/* bool */
};

/* struct DataPageHeaderV2. */
enum {
	DPH2_NUM_VALUES = 1,		/* i32: slots, nulls included */
	DPH2_NUM_NULLS = 2,		/* i32 */
	DPH2_NUM_ROWS = 3,		/* i32 */
	DPH2_ENCODING = 4,		/* Encoding of the values */
	DPH2_DEFINITION_LEVELS_BYTE_LENGTH = 5,	/* i32 */
	DPH2_REPETITION_LEVELS_BYTE_LENGTH = 6,	/* i32 */
	DPH2_IS_COMPRESSED = 7,		/* bool, default true */
	DPH2_STATISTICS = 8		/* Statistics */
};

#endif

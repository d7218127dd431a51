-- A text image of everything extension streampay owns, for comparing an
-- updated install with a fresh one (pg_dump never dumps extension members).
SELECT pg_describe_object(d.classid, d.objid, 0) || ' :: ' ||
       COALESCE(CASE d.classid
           WHEN 'pg_proc'::regclass THEN
               -- pg_get_functiondef refuses aggregates: describe those by their parts
               CASE WHEN p.prokind = 'a'
                    THEN (SELECT format('aggregate(%s) sfunc=%s stype=%s final=%s combine=%s serial=%s deserial=%s',
                                        pg_get_function_arguments(d.objid), a.aggtransfn, format_type(a.aggtranstype, NULL),
                                        a.aggfinalfn, a.aggcombinefn, a.aggserialfn, a.aggdeserialfn)
                            FROM pg_aggregate a WHERE a.aggfnoid = d.objid)
                    ELSE pg_get_functiondef(d.objid) END
               || ' parallel=' || p.proparallel::text || ' acl=' || COALESCE(p.proacl::text, '-')
                                         || ' comment=' || COALESCE(obj_description(d.objid, 'pg_proc'), '-')
           WHEN 'pg_class'::regclass THEN c.relkind::text || ' acl=' || COALESCE(c.relacl::text, '-')
                                         || ' comment=' || COALESCE(obj_description(d.objid, 'pg_class'), '-')
           WHEN 'pg_type'::regclass THEN format_type(d.objid, NULL)
           ELSE '' END, '')
  FROM pg_depend d
  JOIN pg_extension x ON x.oid = d.refobjid AND x.extname = 'streampay'
  LEFT JOIN pg_proc p ON d.classid = 'pg_proc'::regclass AND p.oid = d.objid
  LEFT JOIN pg_class c ON d.classid = 'pg_class'::regclass AND c.oid = d.objid
 WHERE d.deptype = 'e'
UNION ALL
-- columns, with types, defaults, nullability, comments, in order
SELECT c.relname || '.' || a.attnum || ' ' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
       || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
       || COALESCE(' default ' || pg_get_expr(ad.adbin, ad.adrelid), '')
       || CASE WHEN a.attidentity <> '' THEN ' identity ' || a.attidentity::text ELSE '' END
       || COALESCE(' comment=' || col_description(c.oid, a.attnum), '')
  FROM pg_class c
  JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
  JOIN pg_extension x ON x.oid = d.refobjid AND x.extname = 'streampay'
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_attrdef ad ON ad.adrelid = c.oid AND ad.adnum = a.attnum
UNION ALL
SELECT 'constraint ' || conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid)
  FROM pg_constraint WHERE conrelid IN (SELECT objid FROM pg_depend d JOIN pg_extension x
                                          ON x.oid = d.refobjid AND x.extname = 'streampay'
                                       WHERE d.classid = 'pg_class'::regclass AND d.deptype = 'e')
UNION ALL
SELECT 'index ' || pg_get_indexdef(indexrelid)
  FROM pg_index WHERE indrelid IN (SELECT objid FROM pg_depend d JOIN pg_extension x
                                     ON x.oid = d.refobjid AND x.extname = 'streampay'
                                  WHERE d.classid = 'pg_class'::regclass AND d.deptype = 'e')
UNION ALL
SELECT 'trigger ' || pg_get_triggerdef(t.oid) || ' enabled=' || t.tgenabled::text
  FROM pg_trigger t WHERE NOT t.tgisinternal
   AND t.tgrelid IN (SELECT objid FROM pg_depend d JOIN pg_extension x
                       ON x.oid = d.refobjid AND x.extname = 'streampay'
                    WHERE d.classid = 'pg_class'::regclass AND d.deptype = 'e')
UNION ALL
SELECT 'enum ' || enumtypid::regtype || ' ' || enumsortorder || ' ' || enumlabel
  FROM pg_enum WHERE enumtypid = 'stream_status'::regtype
UNION ALL
SELECT 'config ' || u.t::regclass || ' ' || COALESCE(u.c, '')
  FROM pg_extension x, unnest(x.extconfig, x.extcondition) u(t, c) WHERE x.extname = 'streampay'
UNION ALL
SELECT 'chain ' || chain_id || ' ' || family FROM streampay_chains
ORDER BY 1;

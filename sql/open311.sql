-- gridgov pillar: Open311 GeoReport v2, the residents' side of a case
--
-- The calls of the GeoReport v2 specification (services, a service's
-- definition, post a request, requests with the v2 filters, one request, a
-- token) as SQL functions that answer its JSON: any HTTP layer (PostgREST,
-- a CGI script, an application server) passes the call's arguments through
-- and returns the answer.  A service is a category the administrators
-- offer (open311_service); a request is a case, reported through the case
-- engine like any other; its v2 status is open until the case is final.
-- The token returned for a posted request is the reporter's secret: only
-- its SHA-256 is stored.  The functions run as their owner (SECURITY
-- DEFINER, search_path pinned), so the role gridgov_reporter, which may
-- call them and nothing else, never reads a table (docs/open311.md).

-- ======================================================================
-- Role
-- ======================================================================

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) 'gridgov_reporter') THEN
        BEGIN
            CREATE ROLE gridgov_reporter NOLOGIN;
        EXCEPTION WHEN unique_violation OR duplicate_object THEN
            -- another database's CREATE EXTENSION made it meanwhile
            RETURN;
        END;
        COMMENT ON ROLE gridgov_reporter IS
            'gridgov: calls the Open311 functions (services, post a request, requests, a reporter''s progress) and nothing else; grant it to the web front end''s login';
    END IF;
END;
$$;

-- ======================================================================
-- Tables
-- ======================================================================

-- The categories offered as Open311 services.  A category without a row
-- is not offered (hotline-only and internal categories stay private).
CREATE TABLE gridgov.open311_service (
    category        text PRIMARY KEY REFERENCES gridgov.category ON UPDATE CASCADE ON DELETE CASCADE,
    service_code    text CONSTRAINT open311_service_code_form
                    CHECK (service_code OPERATOR(pg_catalog.~) '^[A-Za-z0-9_.-]{1,64}$'),
    service_name    text,
    description     text,
    keywords        text,
    "group"         text,
    service_notice  text
);
CREATE UNIQUE INDEX open311_service_code ON gridgov.open311_service
    ((COALESCE(service_code, category)));
COMMENT ON TABLE gridgov.open311_service IS
    'the categories offered as Open311 GeoReport v2 services; a category without a row is not offered';
COMMENT ON COLUMN gridgov.open311_service.category IS 'the category (gridgov.category) a request of the service reports';
COMMENT ON COLUMN gridgov.open311_service.service_code IS
    'the v2 service_code: letters, digits, _ . - (64 at most); NULL: the category''s code';
COMMENT ON COLUMN gridgov.open311_service.service_name IS 'the v2 service_name; NULL: the category''s name';
COMMENT ON COLUMN gridgov.open311_service.description IS 'the v2 description; NULL: the category''s description';
COMMENT ON COLUMN gridgov.open311_service.keywords IS 'the v2 keywords: comma-separated synonyms';
COMMENT ON COLUMN gridgov.open311_service."group" IS 'the v2 group the service is listed under';
COMMENT ON COLUMN gridgov.open311_service.service_notice IS
    'the v2 service_notice: what the reporter may expect, returned with a posted request and with the request';

-- The attributes (extra form fields) of a service: its v2 service
-- definition.  A service with attributes has metadata true.
CREATE TABLE gridgov.open311_attribute (
    category        text NOT NULL REFERENCES gridgov.open311_service ON UPDATE CASCADE ON DELETE CASCADE,
    code            text NOT NULL CONSTRAINT open311_attribute_code_form
                    CHECK (code OPERATOR(pg_catalog.~) '^[A-Za-z0-9_.-]{1,64}$'),
    variable        boolean NOT NULL DEFAULT true,
    datatype        text NOT NULL CONSTRAINT open311_attribute_datatype
                    CHECK (datatype OPERATOR(pg_catalog.=) ANY
                           (ARRAY['string', 'number', 'datetime', 'text', 'singlevaluelist', 'multivaluelist'])),
    required        boolean NOT NULL DEFAULT false,
    datatype_description text,
    "order"         integer NOT NULL CONSTRAINT open311_attribute_order CHECK ("order" OPERATOR(pg_catalog.>) 0),
    description     text NOT NULL,
    "values"        jsonb CONSTRAINT open311_attribute_values
                    CHECK (("values" IS NOT NULL) OPERATOR(pg_catalog.=)
                           (datatype OPERATOR(pg_catalog.=) ANY (ARRAY['singlevaluelist', 'multivaluelist']))
                           AND ("values" IS NULL OR pg_catalog.jsonb_typeof("values") OPERATOR(pg_catalog.=) 'array')),
    PRIMARY KEY (category, code),
    CONSTRAINT open311_attribute_order_unique UNIQUE (category, "order")
);
COMMENT ON TABLE gridgov.open311_attribute IS
    'the attributes (form fields) of an Open311 service, its v2 service definition';
COMMENT ON COLUMN gridgov.open311_attribute.category IS 'the service''s category';
COMMENT ON COLUMN gridgov.open311_attribute.code IS 'the attribute''s v2 code, the key of attribute[code] in a posted request';
COMMENT ON COLUMN gridgov.open311_attribute.variable IS
    'true: the reporter answers it; false: information shown to the reporter only';
COMMENT ON COLUMN gridgov.open311_attribute.datatype IS
    'string, number, datetime, text, singlevaluelist or multivaluelist';
COMMENT ON COLUMN gridgov.open311_attribute.required IS 'true: a request without it is refused';
COMMENT ON COLUMN gridgov.open311_attribute.datatype_description IS 'help on the expected input, free text';
COMMENT ON COLUMN gridgov.open311_attribute."order" IS 'its place in the form, 1 first; unique in the service';
COMMENT ON COLUMN gridgov.open311_attribute.description IS 'the question put to the reporter';
COMMENT ON COLUMN gridgov.open311_attribute."values" IS
    'for the list types only: a JSON array of {"key": ..., "name": ...}, the choices';

-- What a posted request brought besides the case: the digest of its token,
-- the address as given, the media and the attributes.  Read only through
-- the Open311 functions.
CREATE TABLE gridgov.open311_request (
    district        gridgov.gridcode NOT NULL,
    case_id         bigint NOT NULL,
    token_sha256    bytea NOT NULL CONSTRAINT open311_request_token_unique UNIQUE,
    address_string  text,
    media_url       text,
    attributes      jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (district, case_id),
    FOREIGN KEY (district, case_id) REFERENCES gridgov.cases (district, id)
);
CREATE UNIQUE INDEX open311_request_case ON gridgov.open311_request (case_id);
COMMENT ON TABLE gridgov.open311_request IS
    'the cases posted through Open311: their token''s digest, the address, media and attributes given; read by the Open311 functions only';
COMMENT ON COLUMN gridgov.open311_request.district IS 'the case''s district';
COMMENT ON COLUMN gridgov.open311_request.case_id IS 'the case, the v2 service_request_id';
COMMENT ON COLUMN gridgov.open311_request.token_sha256 IS
    'SHA-256 of the token returned to the reporter; the token itself is not stored';
COMMENT ON COLUMN gridgov.open311_request.address_string IS 'the v2 address_string as posted';
COMMENT ON COLUMN gridgov.open311_request.media_url IS 'the v2 media_url as posted';
COMMENT ON COLUMN gridgov.open311_request.attributes IS 'the answers to the service''s attributes, by code';

SELECT pg_catalog.pg_extension_config_dump('gridgov.open311_service', '');
SELECT pg_catalog.pg_extension_config_dump('gridgov.open311_attribute', '');
SELECT pg_catalog.pg_extension_config_dump('gridgov.open311_request', '');

-- ======================================================================
-- Functions
-- ======================================================================

-- A time as the v2 specification writes it (W3C's profile of ISO 8601,
-- with the offset of the session's time zone).
CREATE FUNCTION gridgov.open311_datetime(t timestamptz) RETURNS text
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
    RETURN pg_catalog.to_char(t, 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM');
COMMENT ON FUNCTION gridgov.open311_datetime(timestamptz) IS
    'a time in the v2 format (W3C ISO 8601 with the session time zone''s offset), such as 2010-04-14T06:37:38-08:00';

-- A time given in the v2 format: a W3C date-time with its zone.
CREATE FUNCTION gridgov.open311_parse_datetime(argument text, value text) RETURNS timestamptz
    LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path FROM CURRENT
AS $$
BEGIN
    IF value IS NULL THEN
        RETURN NULL;
    END IF;
    IF value OPERATOR(pg_catalog.!~) '^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$' THEN
        RAISE EXCEPTION '% "%" is not a W3C date-time with a time zone', argument, value
            USING ERRCODE = '22007', HINT = 'Write it as 2010-01-01T00:00:00Z or 2010-01-01T08:00:00+08:00.';
    END IF;
    RETURN value::timestamptz;
END;
$$;
COMMENT ON FUNCTION gridgov.open311_parse_datetime(text, text) IS
    'a v2 date-time argument (W3C ISO 8601 with Z or an offset) as timestamptz; NULL for NULL; 22007 naming the argument otherwise';

-- The unit a jurisdiction_id names (a unit's code), or NULL for none.
CREATE FUNCTION gridgov.open311_jurisdiction(jurisdiction_id text) RETURNS gridgov.gridcode
    LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path FROM CURRENT
AS $$
DECLARE
    hit gridgov.gridcode;
BEGIN
    IF NULLIF(jurisdiction_id, '') IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT u.code INTO hit FROM gridgov.unit u
     WHERE jurisdiction_id OPERATOR(pg_catalog.~) '^\d{2,19}$'
       AND u.code OPERATOR(gridgov.=) jurisdiction_id::gridgov.gridcode;
    IF hit IS NULL THEN
        RAISE EXCEPTION 'jurisdiction_id "%" was not found', jurisdiction_id
            USING ERRCODE = 'GG012', HINT = 'A jurisdiction_id is the code of a unit, such as 440311; leave it out for all of them.';
    END IF;
    RETURN hit;
END;
$$;
COMMENT ON FUNCTION gridgov.open311_jurisdiction(text) IS
    'the unit a v2 jurisdiction_id names (its code); NULL when none is given; GG012 when there is no such unit';

-- GET services: the services offered, by service_code.
CREATE FUNCTION gridgov.open311_services(jurisdiction_id text DEFAULT NULL) RETURNS json
    LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = gridgov, pg_catalog, pg_temp
AS $$
DECLARE
    result json;
BEGIN
    PERFORM gridgov.open311_jurisdiction(jurisdiction_id);
    SELECT COALESCE(pg_catalog.json_agg(pg_catalog.json_build_object(
               'service_code', COALESCE(s.service_code, s.category),
               'service_name', COALESCE(s.service_name, c.name),
               'description', COALESCE(s.description, c.description),
               'metadata', EXISTS (SELECT FROM gridgov.open311_attribute a
                                    WHERE a.category OPERATOR(pg_catalog.=) s.category),
               'type', 'realtime',
               'keywords', s.keywords,
               'group', s."group") ORDER BY COALESCE(s.service_code, s.category)), '[]')
      INTO result
      FROM gridgov.open311_service s JOIN gridgov.category c ON c.code OPERATOR(pg_catalog.=) s.category;
    RETURN result;
END;
$$;
COMMENT ON FUNCTION gridgov.open311_services(text) IS
    'Open311 GET services: a JSON array of the services offered (service_code, service_name, description, metadata, type, keywords, group)';

-- The service a service_code names, or GG012.
CREATE FUNCTION gridgov.open311_find_service(service_code text) RETURNS gridgov.open311_service
    LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path FROM CURRENT
AS $$
DECLARE
    hit gridgov.open311_service;
BEGIN
    SELECT s.* INTO hit FROM gridgov.open311_service s
     WHERE COALESCE(s.service_code, s.category) OPERATOR(pg_catalog.=) open311_find_service.service_code;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'service_code "%" was not found', COALESCE(service_code, '')
            USING ERRCODE = 'GG012', HINT = 'The services offered are listed by gridgov.open311_services().';
    END IF;
    RETURN hit;
END;
$$;
COMMENT ON FUNCTION gridgov.open311_find_service(text) IS
    'the Open311 service a v2 service_code names; GG012 when none does';

-- GET a service definition: its attributes, in their order.
CREATE FUNCTION gridgov.open311_service_definition(service_code text, jurisdiction_id text DEFAULT NULL) RETURNS json
    LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = gridgov, pg_catalog, pg_temp
AS $$
DECLARE
    service gridgov.open311_service := gridgov.open311_find_service(service_code);
    result json;
BEGIN
    PERFORM gridgov.open311_jurisdiction(jurisdiction_id);
    SELECT pg_catalog.json_build_object(
               'service_code', COALESCE(service.service_code, service.category),
               'attributes', COALESCE(pg_catalog.json_agg(
                   CASE WHEN a."values" IS NULL THEN
                       pg_catalog.json_build_object(
                           'variable', a.variable, 'code', a.code, 'datatype', a.datatype, 'required', a.required,
                           'datatype_description', a.datatype_description, 'order', a."order",
                           'description', a.description)
                   ELSE
                       pg_catalog.json_build_object(
                           'variable', a.variable, 'code', a.code, 'datatype', a.datatype, 'required', a.required,
                           'datatype_description', a.datatype_description, 'order', a."order",
                           'description', a.description, 'values', a."values")
                   END ORDER BY a."order") FILTER (WHERE a.code IS NOT NULL), '[]'))
      INTO result
      FROM (SELECT) one
      LEFT JOIN gridgov.open311_attribute a ON a.category OPERATOR(pg_catalog.=) service.category;
    RETURN result;
END;
$$;
COMMENT ON FUNCTION gridgov.open311_service_definition(text, text) IS
    'Open311 GET service definition: the service_code and its attributes (variable, code, datatype, required, datatype_description, order, description, values), in order';

-- Refuse answers to a service's attributes that do not fit its definition.
CREATE FUNCTION gridgov.open311_check_attributes(service gridgov.open311_service, given jsonb) RETURNS void
    LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path FROM CURRENT
AS $$
DECLARE
    problem text;
BEGIN
    IF pg_catalog.jsonb_typeof(given) OPERATOR(pg_catalog.<>) 'object' THEN
        RAISE EXCEPTION 'attribute must be a JSON object of answers by code, not %', given
            USING ERRCODE = '22023';
    END IF;
    SELECT pg_catalog.string_agg(p.problem, '; ' ORDER BY p.problem) INTO problem
      FROM (SELECT pg_catalog.format('attribute %s is required', a.code) AS problem
              FROM gridgov.open311_attribute a
             WHERE a.category OPERATOR(pg_catalog.=) service.category AND a.required AND a.variable
               AND NOT given OPERATOR(pg_catalog.?) a.code
            UNION ALL
            SELECT pg_catalog.format('the service has no attribute %s', g.key)
              FROM pg_catalog.jsonb_object_keys(given) g(key)
             WHERE NOT EXISTS (SELECT FROM gridgov.open311_attribute a
                                WHERE a.category OPERATOR(pg_catalog.=) service.category
                                  AND a.code OPERATOR(pg_catalog.=) g.key AND a.variable)
            UNION ALL
            SELECT pg_catalog.format('attribute %s: %s is not one of its keys', a.code, v.value)
              FROM gridgov.open311_attribute a
             CROSS JOIN LATERAL pg_catalog.jsonb_array_elements(
                       CASE pg_catalog.jsonb_typeof(given OPERATOR(pg_catalog.->) a.code)
                       WHEN 'array' THEN given OPERATOR(pg_catalog.->) a.code
                       ELSE pg_catalog.jsonb_build_array(given OPERATOR(pg_catalog.->) a.code) END) v(value)
             WHERE a.category OPERATOR(pg_catalog.=) service.category AND a."values" IS NOT NULL
               AND given OPERATOR(pg_catalog.?) a.code
               AND NOT EXISTS (SELECT FROM pg_catalog.jsonb_array_elements(a."values") k(choice)
                                WHERE (k.choice OPERATOR(pg_catalog.->>) 'key') OPERATOR(pg_catalog.=)
                                      (v.value OPERATOR(pg_catalog.#>>) '{}'))
            UNION ALL
            SELECT pg_catalog.format('attribute %s takes one value', a.code)
              FROM gridgov.open311_attribute a
             WHERE a.category OPERATOR(pg_catalog.=) service.category
               AND a.datatype OPERATOR(pg_catalog.<>) 'multivaluelist'
               AND pg_catalog.jsonb_typeof(given OPERATOR(pg_catalog.->) a.code) OPERATOR(pg_catalog.=) 'array') p;
    IF problem IS NOT NULL THEN
        RAISE EXCEPTION 'the request does not fit the definition of service %: %',
                        COALESCE(service.service_code, service.category), problem
            USING ERRCODE = '22023',
                  HINT = 'gridgov.open311_service_definition() lists the attributes, their types and keys.';
    END IF;
END;
$$;
COMMENT ON FUNCTION gridgov.open311_check_attributes(gridgov.open311_service, jsonb) IS
    'refuses (22023) answers that miss a required attribute, name one the service lacks, or give a list attribute a value that is not one of its keys';

-- The point a request's lat and long give (SRID 4326), NULL without them.
CREATE FUNCTION gridgov.open311_point(lat double precision, long double precision) RETURNS geometry
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT
    RETURN ST_SetSRID(ST_MakePoint(long, lat), 4326);
COMMENT ON FUNCTION gridgov.open311_point(double precision, double precision) IS
    'the point of a request''s lat and long, in SRID 4326';

-- POST a request: report a case of the service's category through the
-- engine, and return its id with a new token (only its digest is kept).
CREATE FUNCTION gridgov.open311_post_request(
    service_code text, lat double precision DEFAULT NULL, long double precision DEFAULT NULL,
    address_string text DEFAULT NULL, address_id text DEFAULT NULL, email text DEFAULT NULL,
    device_id text DEFAULT NULL, account_id text DEFAULT NULL, first_name text DEFAULT NULL,
    last_name text DEFAULT NULL, phone text DEFAULT NULL, description text DEFAULT NULL,
    media_url text DEFAULT NULL, attribute jsonb DEFAULT NULL, jurisdiction_id text DEFAULT NULL)
    RETURNS json
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = gridgov, pg_catalog, pg_temp
AS $$
DECLARE
    service gridgov.open311_service := gridgov.open311_find_service(service_code);
    within gridgov.gridcode := gridgov.open311_jurisdiction(jurisdiction_id);
    grid gridgov.gridcode;
    reported gridgov.cases;
    token text := pg_catalog.replace(pg_catalog.gen_random_uuid()::text, '-', '') OPERATOR(pg_catalog.||)
                  pg_catalog.replace(pg_catalog.gen_random_uuid()::text, '-', '');
BEGIN
    IF (lat IS NULL) OPERATOR(pg_catalog.<>) (long IS NULL) THEN
        RAISE EXCEPTION 'lat and long go together: % is missing', CASE WHEN lat IS NULL THEN 'lat' ELSE 'long' END
            USING ERRCODE = '22023';
    END IF;
    IF NULLIF(address_id, '') IS NOT NULL THEN
        SELECT u.code INTO grid FROM gridgov.unit u
         WHERE address_id OPERATOR(pg_catalog.~) '^\d{2,19}$'
           AND u.code OPERATOR(gridgov.=) address_id::gridgov.gridcode;
        IF grid IS NULL THEN
            RAISE EXCEPTION 'address_id "%" is not the code of a unit', address_id
                USING ERRCODE = '22023', HINT = 'An address_id is a grid''s code, such as 440311006003001.';
        END IF;
    ELSIF lat IS NULL THEN
        RAISE EXCEPTION 'a request needs lat and long, or address_id'
            USING ERRCODE = '22023',
                  HINT = 'An address_string alone cannot be placed in a grid; send the point, or the grid''s code as address_id.';
    END IF;
    IF pg_catalog.length(description) OPERATOR(pg_catalog.>) 4000 THEN
        RAISE EXCEPTION 'description has % characters, more than 4,000', pg_catalog.length(description)
            USING ERRCODE = '22023';
    END IF;
    PERFORM gridgov.open311_check_attributes(service, COALESCE(attribute, '{}'));

    -- the district given, as Citus routes a report by it before the intake
    -- runs (docs/scale-out.md); a point outside every district goes
    -- without one, for the engine's own refusal
    INSERT INTO gridgov.cases (district, category, channel, description, location, unit, reporter)
    VALUES (COALESCE(gridgov.ancestor(grid, 3), (gridgov.unit_at(gridgov.open311_point(lat, long), 3)).code),
            service.category, 'resident_app', COALESCE(description, ''),
            gridgov.open311_point(lat, long), grid,
            pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
                'email', NULLIF(email, ''), 'first_name', NULLIF(first_name, ''),
                'last_name', NULLIF(last_name, ''), 'phone', NULLIF(phone, ''),
                'device_id', NULLIF(device_id, ''), 'account_id', NULLIF(account_id, ''))))
    RETURNING * INTO reported;
    IF within IS NOT NULL AND NOT reported.unit OPERATOR(gridgov.<@) within THEN
        RAISE EXCEPTION 'the request''s place, in unit %, is outside jurisdiction %', reported.unit, within
            USING ERRCODE = '22023';
    END IF;
    INSERT INTO gridgov.open311_request (district, case_id, token_sha256, address_string, media_url, attributes)
    VALUES (reported.district, reported.id, pg_catalog.sha256(pg_catalog.convert_to(token, 'UTF8')),
            NULLIF(address_string, ''), NULLIF(media_url, ''), COALESCE(attribute, '{}'));
    RETURN pg_catalog.json_build_array(pg_catalog.json_build_object(
               'service_request_id', reported.id,
               'token', token,
               'service_notice', service.service_notice,
               'account_id', NULLIF(account_id, '')));
END;
$$;
COMMENT ON FUNCTION gridgov.open311_post_request(text, double precision, double precision, text, text, text, text, text, text, text, text, text, text, jsonb, text) IS
    'Open311 POST request: reports a case of the service''s category (channel resident_app) and returns [{service_request_id, token, service_notice, account_id}]; the token is the reporter''s, only its SHA-256 is kept';

-- One request as v2 answers it.
CREATE FUNCTION gridgov.open311_request_json(c gridgov.cases) RETURNS json
    LANGUAGE sql STABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT
BEGIN ATOMIC
    SELECT pg_catalog.json_build_object(
               'service_request_id', c.id,
               'status', CASE WHEN c.status OPERATOR(pg_catalog.=) ANY (ARRAY['closed', 'rejected', 'merged'])
                              THEN 'closed' ELSE 'open' END,
               'status_notes', CASE WHEN c.status OPERATOR(pg_catalog.=) 'merged'
                                    THEN 'merged: a duplicate of request ' OPERATOR(pg_catalog.||) c.duplicate_of
                                    ELSE c.status END,
               'service_name', COALESCE(s.service_name, k.name),
               'service_code', COALESCE(s.service_code, s.category),
               'description', CASE WHEN r.case_id IS NOT NULL THEN NULLIF(c.description, '') END,
               'agency_responsible', p.name,
               'service_notice', s.service_notice,
               'requested_datetime', gridgov.open311_datetime(c.reported_at),
               'updated_datetime', gridgov.open311_datetime(
                   CASE WHEN c.status OPERATOR(pg_catalog.=) 'closed' THEN c.closed_at
                        ELSE COALESCE(c.moved_at, c.reported_at) END),
               'expected_datetime', gridgov.open311_datetime(c.stage_deadline),
               'address', COALESCE(r.address_string, u.name),
               'address_id', c.unit::text,
               'zipcode', NULL::text,
               'lat', ST_Y(c.location),
               'long', ST_X(c.location),
               'media_url', r.media_url)
      FROM gridgov.open311_service s
      JOIN gridgov.category k ON k.code OPERATOR(pg_catalog.=) s.category
      LEFT JOIN gridgov.service_point p ON p.id OPERATOR(pg_catalog.=) c.service_point
      LEFT JOIN gridgov.unit u ON u.code OPERATOR(gridgov.=) c.unit
      LEFT JOIN gridgov.open311_request r ON r.case_id OPERATOR(pg_catalog.=) c.id
     WHERE s.category OPERATOR(pg_catalog.=) c.category;
END;
COMMENT ON FUNCTION gridgov.open311_request_json(gridgov.cases) IS
    'a case as an Open311 v2 request object (service_request_id, status, status_notes, service_name, service_code, description, agency_responsible, service_notice, requested_datetime, updated_datetime, expected_datetime, address, address_id, zipcode, lat, long, media_url); NULL when its category is not offered';

-- GET requests, with the v2 filters.
CREATE FUNCTION gridgov.open311_requests(
    service_request_id text DEFAULT NULL, service_code text DEFAULT NULL, start_date text DEFAULT NULL,
    end_date text DEFAULT NULL, status text DEFAULT NULL, jurisdiction_id text DEFAULT NULL)
    RETURNS json
    LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = gridgov, pg_catalog, pg_temp
AS $$
DECLARE
    within gridgov.gridcode := gridgov.open311_jurisdiction(jurisdiction_id);
    ids bigint[];
    codes text[] := pg_catalog.string_to_array(NULLIF(service_code, ''), ',');
    statuses text[] := pg_catalog.string_to_array(NULLIF(status, ''), ',');
    first_time timestamptz := gridgov.open311_parse_datetime('start_date', NULLIF(start_date, ''));
    last_time timestamptz := gridgov.open311_parse_datetime('end_date', NULLIF(end_date, ''));
    c gridgov.cases;
    requests json[] := '{}';
    result json;
BEGIN
    IF NULLIF(service_request_id, '') IS NOT NULL THEN
        IF service_request_id OPERATOR(pg_catalog.!~) '^\d{1,18}(,\d{1,18})*$' THEN
            RAISE EXCEPTION 'service_request_id "%" is not a comma-separated list of request ids', service_request_id
                USING ERRCODE = '22P02';
        END IF;
        ids := pg_catalog.string_to_array(service_request_id, ',')::bigint[];
    END IF;
    IF statuses OPERATOR(pg_catalog.<@) ARRAY['open', 'closed'] IS NOT TRUE AND statuses IS NOT NULL THEN
        RAISE EXCEPTION 'status "%" is not open, closed or both', status
            USING ERRCODE = '22023', HINT = 'Give open, closed, or open,closed.';
    END IF;
    -- the default span is the 90 days up to now, or up to or from the date given
    last_time := COALESCE(last_time, first_time OPERATOR(pg_catalog.+) interval '90 days', pg_catalog.now());
    first_time := COALESCE(first_time, last_time OPERATOR(pg_catalog.-) interval '90 days');
    IF last_time OPERATOR(pg_catalog.<) first_time THEN
        RAISE EXCEPTION 'end_date % is before start_date %', end_date, start_date USING ERRCODE = '22023';
    END IF;
    IF last_time OPERATOR(pg_catalog.-) first_time OPERATOR(pg_catalog.>) interval '90 days' THEN
        RAISE EXCEPTION 'start_date and end_date span more than 90 days'
            USING ERRCODE = '22023', HINT = 'GeoReport v2 asks for 90 days at most: query the span in parts.';
    END IF;
    -- the cases' columns come back to this node, which makes their JSON:
    -- on a Citus shard a case row has the shard's own type (docs/scale-out.md)
    FOR c IN
        SELECT k.*
          FROM gridgov.cases k
          JOIN gridgov.open311_service s ON s.category OPERATOR(pg_catalog.=) k.category
         WHERE (within IS NULL OR k.unit OPERATOR(gridgov.<@) within)
           AND CASE WHEN ids IS NOT NULL THEN k.id OPERATOR(pg_catalog.=) ANY (ids)
               ELSE (codes IS NULL OR COALESCE(s.service_code, s.category) OPERATOR(pg_catalog.=) ANY (codes))
                    AND (statuses IS NULL OR
                         CASE WHEN k.status OPERATOR(pg_catalog.=) ANY (ARRAY['closed', 'rejected', 'merged'])
                              THEN 'closed' ELSE 'open' END OPERATOR(pg_catalog.=) ANY (statuses))
                    AND k.reported_at OPERATOR(pg_catalog.>=) first_time
                    AND k.reported_at OPERATOR(pg_catalog.<=) last_time END
         ORDER BY k.reported_at, k.id
         LIMIT 1000
    LOOP
        requests := requests OPERATOR(pg_catalog.||) gridgov.open311_request_json(c);
    END LOOP;
    SELECT COALESCE(pg_catalog.json_agg(r.request ORDER BY r.n), '[]') INTO result
      FROM pg_catalog.unnest(requests) WITH ORDINALITY AS r (request, n);
    RETURN result;
END;
$$;
COMMENT ON FUNCTION gridgov.open311_requests(text, text, text, text, text, text) IS
    'Open311 GET requests: a JSON array of requests (oldest first, 1,000 at most) of the services offered; service_request_id (comma-separated) overrides the other filters: service_code (comma-separated), start_date and end_date (W3C date-times, 90 days at most, by default the last 90), status (open, closed)';

-- GET one request.
CREATE FUNCTION gridgov.open311_request(service_request_id text, jurisdiction_id text DEFAULT NULL) RETURNS json
    LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = gridgov, pg_catalog, pg_temp
AS $$
DECLARE
    within gridgov.gridcode := gridgov.open311_jurisdiction(jurisdiction_id);
    c gridgov.cases;
    result json;
BEGIN
    -- the case's columns, made JSON on this node (as open311_requests)
    SELECT k.* INTO c
      FROM gridgov.cases k
     WHERE service_request_id OPERATOR(pg_catalog.~) '^\d{1,18}$'
       AND k.id OPERATOR(pg_catalog.=) service_request_id::bigint
       AND (within IS NULL OR k.unit OPERATOR(gridgov.<@) within);
    IF FOUND THEN
        result := gridgov.open311_request_json(c);
    END IF;
    IF result IS NULL THEN
        RAISE EXCEPTION 'service_request_id "%" was not found', COALESCE(service_request_id, '')
            USING ERRCODE = 'GG012';
    END IF;
    RETURN pg_catalog.json_build_array(result);
END;
$$;
COMMENT ON FUNCTION gridgov.open311_request(text, text) IS
    'Open311 GET request: a JSON array of the one request; GG012 when there is no such request of a service offered (in the jurisdiction, if given)';

-- The request a token was returned for, or GG012.
CREATE FUNCTION gridgov.open311_token_case(token text) RETURNS gridgov.open311_request
    LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path FROM CURRENT
AS $$
DECLARE
    hit gridgov.open311_request;
BEGIN
    SELECT r.* INTO hit FROM gridgov.open311_request r
     WHERE r.token_sha256 OPERATOR(pg_catalog.=) pg_catalog.sha256(pg_catalog.convert_to(COALESCE(token, ''), 'UTF8'));
    IF NOT FOUND THEN
        RAISE EXCEPTION 'token was not found'
            USING ERRCODE = 'GG012', HINT = 'A token is the one open311_post_request() returned for the request.';
    END IF;
    RETURN hit;
END;
$$;
COMMENT ON FUNCTION gridgov.open311_token_case(text) IS
    'the posted request a token belongs to, found by the token''s SHA-256; GG012 when none (the message never repeats the token)';

-- GET service_request_id from a token.
CREATE FUNCTION gridgov.open311_token(token text, jurisdiction_id text DEFAULT NULL) RETURNS json
    LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = gridgov, pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM gridgov.open311_jurisdiction(jurisdiction_id);
    RETURN pg_catalog.json_build_array(pg_catalog.json_build_object(
               'service_request_id', (gridgov.open311_token_case(token)).case_id, 'token', token));
END;
$$;
COMMENT ON FUNCTION gridgov.open311_token(text, text) IS
    'Open311 GET token: [{service_request_id, token}] for a token returned by open311_post_request(); GG012 when it is unknown';

-- ======================================================================
-- The reporter's side: progress, evaluation, complaint (issue 18, item 2)
-- ======================================================================

-- The setting gridgov.complaint_window, read by the module that defines it.
CREATE FUNCTION gridgov.complaint_window() RETURNS interval
    AS 'MODULE_PATHNAME', 'case_complaint_window' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gridgov.complaint_window() IS
    'gridgov.complaint_window as an interval (default 15 days): how long after closure a reporter''s complaint reopens the case; 22023 when it is not a positive interval';

-- What the reporter of a posted request sees of it: the v2 request, every
-- stage it went through, the replies (the notes of the moves that answer
-- the reporter), the evaluation, and whether a complaint may still reopen it.
-- PL/pgSQL, not SQL: on Citus it runs on the coordinator over the case's
-- columns (open311_progress), Citus plans its reads of the history only
-- with their parameters' values, which a SQL function does not pass, and
-- the request must be made where the Open311 tables are, not on the shard.
CREATE FUNCTION gridgov.open311_progress_json(c gridgov.cases) RETURNS json
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT
AS $$
DECLARE
    stages json;
    replies json;
BEGIN
    -- the history by two queries of their own, which Citus sends to the
    -- case's shard; the request and the rest are made here, where the
    -- Open311 tables are
    SELECT COALESCE(pg_catalog.json_agg(pg_catalog.json_build_object(
                        'seq', h.seq, 'action', h.action, 'status', h.to_status,
                        'datetime', gridgov.open311_datetime(h.at)) ORDER BY h.seq), '[]')
      INTO stages
      FROM gridgov.case_history h
     WHERE h.district OPERATOR(gridgov.=) c.district AND h.case_id OPERATOR(pg_catalog.=) c.id;
    SELECT COALESCE(pg_catalog.json_agg(pg_catalog.json_build_object(
                        'seq', h.seq, 'action', h.action,
                        'datetime', gridgov.open311_datetime(h.at), 'text', h.note) ORDER BY h.seq), '[]')
      INTO replies
      FROM gridgov.case_history h
     WHERE h.district OPERATOR(gridgov.=) c.district AND h.case_id OPERATOR(pg_catalog.=) c.id
       AND h.note IS NOT NULL
       AND h.action OPERATOR(pg_catalog.=) ANY (ARRAY['reject', 'merge', 'suspend', 'extend', 'resolve', 'close', 'reopen']);
    RETURN pg_catalog.json_build_object(
               'request', gridgov.open311_request_json(c),
               'stages', stages,
               'replies', replies,
               'satisfaction', c.satisfaction,
               'evaluation', c.evaluation,
               'reworked', c.reopenings,
               'may_evaluate', c.status OPERATOR(pg_catalog.=) 'closed',
               'complaint_until', CASE WHEN c.status OPERATOR(pg_catalog.=) 'closed'
                                       THEN gridgov.open311_datetime(c.closed_at OPERATOR(pg_catalog.+) gridgov.complaint_window()) END,
               'may_complain', c.status OPERATOR(pg_catalog.=) 'closed'
                               AND pg_catalog.now() OPERATOR(pg_catalog.<=) (c.closed_at OPERATOR(pg_catalog.+) gridgov.complaint_window()));
END;
$$;

COMMENT ON FUNCTION gridgov.open311_progress_json(gridgov.cases) IS
    'a request''s progress for its reporter: the v2 request, its stages (seq, action, status, datetime), the replies (notes of reject, merge, suspend, extend, resolve, close and reopen), the evaluation, times reworked, and whether it may be evaluated or complained about (until when)';

-- The reporter's progress, by the token.
CREATE FUNCTION gridgov.open311_progress(token text) RETURNS json
    LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = gridgov, pg_catalog, pg_temp
AS $$
DECLARE
    posted gridgov.open311_request := gridgov.open311_token_case(token);
    c gridgov.cases;
BEGIN
    -- the case's columns, made JSON on this node (as open311_request): on
    -- a Citus shard a case row has the shard's own type (docs/scale-out.md)
    SELECT k.* INTO c FROM gridgov.cases k
     WHERE k.district OPERATOR(gridgov.=) posted.district AND k.id OPERATOR(pg_catalog.=) posted.case_id;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    RETURN gridgov.open311_progress_json(c);
END;
$$;
COMMENT ON FUNCTION gridgov.open311_progress(text) IS
    'the progress of the request a token was returned for (open311_progress_json); GG012 for an unknown token';

-- The case a token belongs to, locked for a move by its reporter.
CREATE FUNCTION gridgov.open311_lock_case(token text) RETURNS gridgov.cases
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path FROM CURRENT
AS $$
DECLARE
    posted gridgov.open311_request := gridgov.open311_token_case(token);
    locked gridgov.cases;
BEGIN
    SELECT c.* INTO locked FROM gridgov.cases c
     WHERE c.district OPERATOR(gridgov.=) posted.district AND c.id OPERATOR(pg_catalog.=) posted.case_id
       FOR UPDATE;
    RETURN locked;
END;
$$;
COMMENT ON FUNCTION gridgov.open311_lock_case(text) IS
    'the case of a token''s request, locked FOR UPDATE: reporters'' moves on one case follow each other';

-- The reporter evaluates a closed request: a rating 1 to 5 and a comment,
-- the move evaluate (the case stays closed).
CREATE FUNCTION gridgov.open311_evaluate(token text, satisfaction integer, evaluation text DEFAULT NULL) RETURNS json
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = gridgov, pg_catalog, pg_temp
AS $$
DECLARE
    c gridgov.cases := gridgov.open311_lock_case(token);
BEGIN
    IF satisfaction IS NULL OR satisfaction OPERATOR(pg_catalog.<) 1 OR satisfaction OPERATOR(pg_catalog.>) 5 THEN
        RAISE EXCEPTION 'satisfaction must be 1 (worst) to 5 (best), not %', COALESCE(satisfaction::text, 'NULL')
            USING ERRCODE = '22023';
    END IF;
    IF c.status OPERATOR(pg_catalog.<>) 'closed' THEN
        RAISE EXCEPTION 'request % cannot be evaluated: it is %, not closed', c.id, c.status
            USING ERRCODE = '55000', HINT = 'A request is evaluated once it is closed.';
    END IF;
    IF c.satisfaction IS DISTINCT FROM satisfaction OR c.evaluation IS DISTINCT FROM NULLIF(evaluation, '') THEN
        PERFORM gridgov.apply_move(c.id, 'closed', NULL, NULL, NULL, 'evaluate', 'closed',
                                       satisfaction => satisfaction, evaluation => NULLIF(evaluation, ''));
    END IF;
    RETURN gridgov.open311_progress(token);
END;
$$;
COMMENT ON FUNCTION gridgov.open311_evaluate(text, integer, text) IS
    'the reporter evaluates the closed request of a token: satisfaction 1 to 5 and a comment, the move evaluate; returns the progress; 55000 unless closed';

-- The reporter complains about a closed request: within
-- gridgov.complaint_window of its closure the case is reopened as rework
-- (返工, counted by rework_rate); later, or when it is not closed, an error.
CREATE FUNCTION gridgov.open311_complain(token text, reason text) RETURNS json
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER SET search_path = gridgov, pg_catalog, pg_temp
AS $$
DECLARE
    c gridgov.cases := gridgov.open311_lock_case(token);
    window_end timestamptz;
BEGIN
    IF NULLIF(pg_catalog.btrim(reason), '') IS NULL THEN
        RAISE EXCEPTION 'a complaint needs a reason' USING ERRCODE = '22023';
    END IF;
    IF c.status OPERATOR(pg_catalog.<>) 'closed' THEN
        RAISE EXCEPTION 'request % cannot be complained about: it is %, not closed', c.id, c.status
            USING ERRCODE = '55000',
                  HINT = CASE WHEN c.status OPERATOR(pg_catalog.=) ANY (ARRAY['rejected', 'merged'])
                              THEN 'A rejected or merged request is not reopened; post a new request.'
                              ELSE 'It is still being handled (a complaint made meanwhile reopened it, or it was never closed).' END;
    END IF;
    window_end := c.closed_at OPERATOR(pg_catalog.+) gridgov.complaint_window();
    IF pg_catalog.now() OPERATOR(pg_catalog.>) window_end THEN
        RAISE EXCEPTION 'request % was closed at %, and the time for complaints ended at %',
                        c.id, c.closed_at, window_end
            USING ERRCODE = '55000',
                  DETAIL = pg_catalog.format('A complaint reopens a request within %s of its closure (gridgov.complaint_window).',
                                             gridgov.complaint_window()),
                  HINT = 'Post a new request.';
    END IF;
    PERFORM gridgov.apply_move(c.id, 'in_progress', 'complaint: ' OPERATOR(pg_catalog.||) reason, NULL, NULL,
                                   'reopen', 'closed');
    RETURN gridgov.open311_progress(token);
END;
$$;
COMMENT ON FUNCTION gridgov.open311_complain(text, text) IS
    'the reporter complains about the closed request of a token: within gridgov.complaint_window of its closure the case is reopened as rework (move reopen, counted by rework_rate) and the progress returned; 55000 when it is not closed or the window has passed';

-- ======================================================================
-- Privileges and row-level security
-- ======================================================================

-- The Open311 tables are read and written through the functions above,
-- which run as their owner: no role but the owner reads open311_request
-- (token digests, what reporters sent); administrators keep the services
-- and their attributes, readers read them.  The functions that run as the
-- owner search the extension's schema and pg_catalog only; what needs
-- PostGIS is a function of its own (open311_point, open311_request_json).
ALTER TABLE gridgov.open311_request ENABLE ROW LEVEL SECURITY;
GRANT SELECT ON gridgov.open311_service, gridgov.open311_attribute TO gridgov_reader;
GRANT INSERT, UPDATE, DELETE ON gridgov.open311_service, gridgov.open311_attribute TO gridgov_administrator;
GRANT USAGE ON SCHEMA gridgov TO gridgov_reporter;
REVOKE EXECUTE ON FUNCTION
    gridgov.open311_datetime(timestamptz),
    gridgov.open311_parse_datetime(text, text),
    gridgov.open311_jurisdiction(text),
    gridgov.open311_services(text),
    gridgov.open311_find_service(text),
    gridgov.open311_service_definition(text, text),
    gridgov.open311_check_attributes(gridgov.open311_service, jsonb),
    gridgov.open311_point(double precision, double precision),
    gridgov.open311_post_request(text, double precision, double precision, text, text, text, text, text, text, text, text, text, text, jsonb, text),
    gridgov.open311_request_json(gridgov.cases),
    gridgov.open311_requests(text, text, text, text, text, text),
    gridgov.open311_request(text, text),
    gridgov.open311_token_case(text),
    gridgov.open311_token(text, text),
    gridgov.complaint_window(),
    gridgov.open311_progress_json(gridgov.cases),
    gridgov.open311_progress(text),
    gridgov.open311_lock_case(text),
    gridgov.open311_evaluate(text, integer, text),
    gridgov.open311_complain(text, text)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    gridgov.open311_services(text),
    gridgov.open311_service_definition(text, text),
    gridgov.open311_post_request(text, double precision, double precision, text, text, text, text, text, text, text, text, text, text, jsonb, text),
    gridgov.open311_requests(text, text, text, text, text, text),
    gridgov.open311_request(text, text),
    gridgov.open311_token(text, text),
    gridgov.open311_progress(text),
    gridgov.open311_evaluate(text, integer, text),
    gridgov.open311_complain(text, text)
    TO gridgov_reporter, gridgov_handler;

-- The connector's own database beside Temporal's (created by temporal-admin-tools).
CREATE USER connector WITH PASSWORD 'connector';
CREATE DATABASE connector OWNER connector;
